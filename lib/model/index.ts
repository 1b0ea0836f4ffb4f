/**
 * Public surface of lib/model: the paper's network families (U-Net, ResEnc U-Net,
 * SegResNet) as functions over named tf.Variables, and the segmentation losses.
 */
export { ModelConfig, resolveModelConfig } from './config';
export { effectiveGroups } from './norm';
export { ARCHITECTURES, ModelFamily } from './architectures/index';
export { ParamStore, snapshotVariables, restoreVariables } from './params';
export { normalise, groupNormCore, upsample2x, avgPool2x } from './layers';
export { SegmentationModel, createModel } from './model';
export { validateLossConfig, segmentationLoss, totalLoss, deepSupervisionWeights, downsampleLabels } from './loss';
