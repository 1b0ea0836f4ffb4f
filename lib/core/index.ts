/**
 * lib/core — the ground floor every other folder may import; imports nothing from lib.
 * Here: plain-text formatting (tables, rounded numbers, intervals).
 */
export * from './format';
