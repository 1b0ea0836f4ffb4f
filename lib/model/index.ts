/**
 * Public surface of lib/model: the paper's network families (U-Net, ResEnc U-Net,
 * SegResNet) as functions over named tf.Variables, and the segmentation losses.
 */
export { ModelConfig, DEFAULT_MODEL_CONFIG, ModelConfigError, resolveModelConfig } from './config';
export { NormKind, effectiveGroups } from './norm';
export { ARCHITECTURES, Architecture, ModelFamily } from './architectures/index';
export { ParamStore, Initialiser, snapshotVariables, readVariables, restoreVariables } from './params';
export { conv, conv3d, pointwise, normalise, groupNormCore, addSameShape, activation, upsample2x, avgPool2x } from './layers';
export { SegmentationModel, createModel } from './model';
export { LossConfig, validateLossConfig, segmentationLoss, totalLoss, deepSupervisionWeights, downsampleLabels } from './loss';
