#!/usr/bin/env bash
# Produce auxiliary (background) labels for every training image of an MSD task folder
# with TotalSegmentator (CT or MR) or SynthSeg (brain MR), into <task>/auxTr/<case>.nii.gz,
# on the image grid. Then load with:
#   loadMsdDataset('<task>', { lesionLabels: [2], extraAux: { dir: '<task>/auxTr', groups: 'total' } })
# See data-scripts/aux-labels.md. Needs the tool installed (pip install TotalSegmentator, or
# FreeSurfer >= 7.3 for mri_synthseg) and /usr/bin/python3 with nibabel for 4D images.
#
# usage: data-scripts/make-aux-labels.sh <task-folder> totalseg|totalseg_mr|synthseg [--channel N] [--dry-run]
set -euo pipefail

task=${1:?usage: make-aux-labels.sh <task-folder> totalseg|totalseg_mr|synthseg [--channel N] [--dry-run]}
tool=${2:?give the tool: totalseg, totalseg_mr or synthseg}
shift 2
channel=0
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --channel) channel=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[ -d "$task/imagesTr" ] || { echo "$task/imagesTr not found: not an MSD task folder" >&2; exit 1; }
case "$tool" in
  totalseg|totalseg_mr) need=TotalSegmentator ;;
  synthseg) need=mri_synthseg ;;
  *) echo "unknown tool '$tool' (totalseg, totalseg_mr, synthseg)" >&2; exit 2 ;;
esac
if [ "$dry" = 0 ] && ! command -v "$need" >/dev/null; then
  echo "$need is not installed; see data-scripts/aux-labels.md" >&2
  exit 1
fi

run() { if [ "$dry" = 1 ]; then echo "$*"; else "$@"; fi; }
out="$task/auxTr"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for img in "$task"/imagesTr/*.nii.gz; do
  base=$(basename "$img")
  case "$base" in ._*) continue ;; esac   # macOS metadata files shipped in some MSD tars
  id=${base%.nii.gz}
  [ -f "$out/$id.nii.gz" ] && { echo "skip $id (exists)"; continue; }
  # 3D input: pick one channel of 4D images (e.g. T1 for SynthSeg, the CT itself for TotalSegmentator)
  in3d="$tmp/$id.nii.gz"
  run /usr/bin/python3 -c "import nibabel as nib, sys; im = nib.load(sys.argv[1]); a = im.get_fdata(); a = a[..., int(sys.argv[3])] if a.ndim == 4 else a; nib.save(nib.Nifti1Image(a.astype('float32'), im.affine), sys.argv[2])" "$img" "$in3d" "$channel"
  case "$tool" in
    totalseg) run TotalSegmentator -i "$in3d" -o "$out/$id.nii.gz" --ml --task total ;;
    totalseg_mr) run TotalSegmentator -i "$in3d" -o "$out/$id.nii.gz" --ml --task total_mr ;;
    synthseg)
      # SynthSeg segments at 1 mm; bring the labels back to the image grid (nearest neighbour)
      run mri_synthseg --i "$in3d" --o "$tmp/${id}_synthseg.nii.gz" --robust
      run mri_vol2vol --mov "$tmp/${id}_synthseg.nii.gz" --targ "$in3d" --regheader --interp nearest --o "$out/$id.nii.gz"
      ;;
  esac
done
echo "aux labels in $out; group them with --groups/extraAux spec: total, total_mr or synthseg"
