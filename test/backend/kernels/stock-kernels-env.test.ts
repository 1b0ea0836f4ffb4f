/**
 * BACKSPLIT_STOCK_KERNELS (lib/backend/kernels stockKernelsFromEnv): which speed-only fixes a
 * benchmark may leave out; fixes of wrong or missing kernels cannot be, and a typo is an error.
 */
import { describe, expect, it } from 'vitest';
import { stockKernelsFromEnv } from '../../../lib/backend/kernels';

describe('stockKernelsFromEnv', () => {
  it('is empty when unset or blank', () => {
    expect(stockKernelsFromEnv(undefined).size).toBe(0);
    expect(stockKernelsFromEnv(' ').size).toBe(0);
  });

  it('takes speed-only fixes by name, and "speed" for all of them', () => {
    expect([...stockKernelsFromEnv('wasm:LeakyRelu, wasm:BatchMatMul')].sort()).toEqual(['wasm:BatchMatMul', 'wasm:LeakyRelu']);
    const all = stockKernelsFromEnv('speed');
    for (const k of ['wasm:Identity', 'wasm:BatchMatMul', 'wasm:LeakyRelu', 'wasm:Slice', 'wasm:Conv2DBackpropInput', 'cpu:Conv2DBackpropFilter']) expect(all.has(k)).toBe(true);
    expect(all.has('wasm:Conv2DBackpropFilter')).toBe(false); // missing on wasm: not optional
    expect(all.has('wasm:MaxPoolGrad')).toBe(false); // wrong on wasm: not optional
  });

  it('refuses a fix of a wrong or missing kernel, and a name that is no fix', () => {
    expect(() => stockKernelsFromEnv('wasm:MaxPoolGrad')).toThrow(/wasm:MaxPoolGrad' fixes a wrong or missing kernel/);
    expect(() => stockKernelsFromEnv('wasm:LeakyReLU')).toThrow(/'wasm:LeakyReLU' is no kernel fix/);
  });
});
