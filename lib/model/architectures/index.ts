/**
 * The architecture registry: the config's `family` names one entry. Adding an
 * architecture is one new file in this folder plus one line here.
 */
import { Architecture } from './types';
import { unet } from './unet';
import { resencUnet } from './resenc-unet';
import { segresnet } from './segresnet';

export const ARCHITECTURES = {
  unet,
  'resenc-unet': resencUnet,
  segresnet,
} satisfies Record<string, Architecture>;

/** The architecture families the project trains (the registry's keys). */
export type ModelFamily = keyof typeof ARCHITECTURES;

export function isModelFamily(name: unknown): name is ModelFamily {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ARCHITECTURES, name);
}

export { Architecture } from './types';
