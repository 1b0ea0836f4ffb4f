#!/usr/bin/python3
"""Independent check of an EMIDEC import (`backsplit import emidec`), with PIL + nibabel + numpy.

Run with Debian's interpreter (python3-pil, python3-nibabel, python3-numpy):

    /usr/bin/python3 data-scripts/emidec-reference.py <source folder> <imported folder>

The source is either EMIDEC layout: PNG slices (images/ and labels/ holding
Case_<id>_slice<n>.png) or NIfTI cases (Case_<id>/Images/Case_<id>.nii.gz and
Case_<id>/Contours/Case_<id>.nii.gz). The imported folder is the MSD-style folder the
importer wrote (dataset.json, imagesTr/, labelsTr/).

Nothing of the importer is reused: the source files are listed and decoded here (PIL for
PNGs, nibabel for NIfTI) and every pixel is compared with the imported volumes as nibabel
reads them.
- PNG slices: slice n of a case is the volume's z index = its rank among the case's slice
  numbers; the volume holds x = PNG column, y = PNG row, so vol[:, :, z].T equals the PNG.
  Every label pixel and every image pixel is compared exactly; the voxel size must be the
  nominal 1.40625 x 1.40625 x 13 mm.
- NIfTI cases: label and image voxels compared exactly (the image as float32, the importer's
  on-disk type); the voxel size must be the source's pixdim, and the affine the source's
  axis directions scaled to that voxel size, with the same origin.
Prints one line of JSON: the counts compared, the mismatches and the label histogram.
"""
import json
import os
import re
import sys

import nibabel as nib
import numpy as np
from PIL import Image

NOMINAL = (1.40625, 1.40625, 13.0)


def imported_cases(out):
    """Case id -> (image path, label path) from the import's dataset.json."""
    with open(os.path.join(out, 'dataset.json')) as f:
        d = json.load(f)
    cases = {}
    for t in d['training']:
        cid = os.path.basename(t['label'])[: -len('.nii.gz')]
        cases[cid] = (os.path.join(out, t['image']), os.path.join(out, t['label']))
    return d, cases


def read_png(path):
    im = Image.open(path)
    if im.mode != 'L':
        raise SystemExit(f'{path}: PIL mode {im.mode}, expected L (8-bit grey)')
    return np.asarray(im)


def new_report(layout):
    return {'layout': layout, 'cases': 0, 'slices': 0, 'labelPixels': 0, 'labelMismatches': 0, 'imagePixels': 0,
            'imageMismatches': 0, 'geometryMismatches': 0, 'missingInImport': 0, 'extraInImport': 0,
            'labelCounts': [0, 0, 0, 0, 0]}


def count_labels(r, lab):
    counts = np.bincount(lab.ravel(), minlength=5)
    for v in range(5):
        r['labelCounts'][v] += int(counts[v])


def check_png(src, out):
    _, cases = imported_cases(out)
    r = new_report('png-slices')
    by_case = {}
    for name in os.listdir(os.path.join(src, 'images')):
        m = re.match(r'^(.+)_slice(\d+)\.png$', name, re.I)
        if m:
            by_case.setdefault(m.group(1), []).append((int(m.group(2)), name))
    r['extraInImport'] = len(set(cases) - set(by_case))
    for cid, slices in sorted(by_case.items()):
        if cid not in cases:
            r['missingInImport'] += len(slices)
            continue
        img_nii, lab_nii = nib.load(cases[cid][0]), nib.load(cases[cid][1])
        img, lab = np.asanyarray(img_nii.dataobj), np.asanyarray(lab_nii.dataobj)
        if lab.dtype != np.uint8 or not np.allclose(lab_nii.header.get_zooms()[:3], NOMINAL):
            r['geometryMismatches'] += 1
        r['cases'] += 1
        slices.sort()
        if lab.shape[2] != len(slices):
            r['missingInImport'] += abs(lab.shape[2] - len(slices))
        for z, (_, name) in enumerate(slices[: lab.shape[2]]):
            L = read_png(os.path.join(src, 'labels', name))
            I = read_png(os.path.join(src, 'images', name))
            r['slices'] += 1
            r['labelPixels'] += L.size
            r['imagePixels'] += I.size
            r['labelMismatches'] += int((lab[:, :, z].T != L).sum()) if lab[:, :, z].T.shape == L.shape else L.size
            r['imageMismatches'] += int((img[:, :, z].T != I).sum()) if img[:, :, z].T.shape == I.shape else I.size
        count_labels(r, lab)
    return r


def geometry_ok(src_nii, out_nii):
    zooms = np.array(src_nii.header.get_zooms()[:3], dtype=float)
    a = src_nii.affine
    expected = a.copy()
    expected[:3, :3] = a[:3, :3] / np.linalg.norm(a[:3, :3], axis=0) * zooms
    return (np.allclose(out_nii.header.get_zooms()[:3], zooms, rtol=1e-6)
            and np.allclose(out_nii.affine, expected, atol=1e-4))


def check_nifti(src, out):
    _, cases = imported_cases(out)
    r = new_report('nifti-cases')
    ids = sorted(n for n in os.listdir(src) if n.startswith('Case_') and os.path.isdir(os.path.join(src, n)))
    r['extraInImport'] = len(set(cases) - set(ids))
    for cid in ids:
        if cid not in cases:
            r['missingInImport'] += 1
            continue
        s_img = nib.load(os.path.join(src, cid, 'Images', cid + '.nii.gz'))
        s_lab = nib.load(os.path.join(src, cid, 'Contours', cid + '.nii.gz'))
        o_img, o_lab = nib.load(cases[cid][0]), nib.load(cases[cid][1])
        S, O = np.asanyarray(s_lab.dataobj), np.asanyarray(o_lab.dataobj)
        SI, OI = s_img.get_fdata().astype(np.float32), np.asanyarray(o_img.dataobj)
        if not (geometry_ok(s_img, o_img) and geometry_ok(s_lab, o_lab)) or O.dtype != np.uint8 or S.shape != O.shape:
            r['geometryMismatches'] += 1
        r['cases'] += 1
        r['slices'] += S.shape[2]
        r['labelPixels'] += S.size
        r['imagePixels'] += SI.size
        r['labelMismatches'] += int((S != O).sum()) if S.shape == O.shape else S.size
        r['imageMismatches'] += int((SI != OI).sum()) if SI.shape == OI.shape else SI.size
        count_labels(r, O)
    return r


def main():
    if len(sys.argv) != 3:
        raise SystemExit('usage: emidec-reference.py <source folder> <imported folder>')
    src, out = sys.argv[1], sys.argv[2]
    r = check_png(src, out) if os.path.isdir(os.path.join(src, 'images')) else check_nifti(src, out)
    print(json.dumps(r))


if __name__ == '__main__':
    main()
