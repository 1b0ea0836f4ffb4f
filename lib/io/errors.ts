/**
 * The typed error of lib/io. Every failure of reading, writing or checking the values
 * of a volume is a NiftiError, so callers (CLI, dataset loaders, notebooks) can tell a
 * bad file from a bug: the reader never lets a raw RangeError/TypeError escape. Two
 * volumes on different grids give lib/core's GridMismatchError instead.
 */

/** What went wrong, machine-readable. */
export type NiftiErrorReason =
  | 'read-failed' // the file could not be read from disk
  | 'write-failed' // the file could not be written / renamed into place
  | 'gzip' // gzip stream corrupt or truncated
  | 'magic' // not a NIfTI-1/2 single file (wrong sizeof_hdr or magic)
  | 'truncated-header' // fewer bytes than a header needs
  | 'truncated-data' // dims x datatype need more bytes than the file has
  | 'unsupported-datatype' // complex, RGB, int64, ... or an unknown code
  | 'bad-dims' // dim[] fields invalid (dim[0] out of 1..7, a size < 1, absurd sizes)
  | 'bad-header' // other header fields unusable (vox_offset, scaling, affine, pixdim)
  | 'too-large' // the file or its decoded data exceed the configured byte limit
  | 'volume-index' // requested 4D volume does not exist
  | 'non-finite' // NaN or Inf voxels where they are not allowed
  | 'bad-volume' // a Volume given to the writer is inconsistent or out of the datatype's range
  | 'unexpected'; // an unforeseen failure while decoding, wrapped so no raw error escapes (a bug to report)

/** A NIfTI read/write/check failure naming the file and the problem. */
export class NiftiError extends Error {
  /** The file (or volume name) concerned. */
  readonly file: string;
  /** Machine-readable category. */
  readonly reason: NiftiErrorReason;
  /** Human-readable detail, without the file name. */
  readonly detail: string;

  constructor(file: string, reason: NiftiErrorReason, detail: string) {
    super(`${file}: ${detail} [${reason}]`);
    this.name = 'NiftiError';
    this.file = file;
    this.reason = reason;
    this.detail = detail;
  }
}
