import { readFileSync, existsSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../lib/core/volume';
import { applyGroupSpec, BUILTIN_SPECS, loadGroupSpec, parseGroupSpec } from '../../lib/labels';

describe('group specs', () => {
  it('every built-in spec loads and covers all its named classes exactly once', () => {
    for (const name of Object.keys(BUILTIN_SPECS)) {
      const s = loadGroupSpec(name);
      for (const id of s.classNames.keys()) expect(s.idToGroup.has(id), `${name}: id ${id} unassigned`).toBe(true);
    }
    const total = loadGroupSpec('total');
    expect(total.classNames.size).toBe(117);
    expect(total.groupNames).toContain('liver');
    expect(total.groupNames[total.idToGroup.get(5)! - 1]).toBe('liver');
    expect(total.groupNames[total.idToGroup.get(52)! - 1]).toBe('vessels');
    expect(total.groupNames[total.idToGroup.get(98)! - 1]).toBe('bone');
    expect(loadGroupSpec('total_mr').classNames.size).toBe(50);
    const ss = loadGroupSpec('synthseg');
    expect(ss.groupNames.slice(0, 6)).toEqual(['csf', 'cortex', 'white_matter', 'deep_grey', 'cerebellum', 'brainstem']);
    expect(ss.groupNames[ss.idToGroup.get(16)! - 1]).toBe('brainstem');
    expect(loadGroupSpec('tissue').groupNames).toEqual(['csf', 'grey_matter', 'white_matter']);
  });

  it('TotalSegmentator names match the real example label tables when present', (ctx) => {
    const dir = path.join(__dirname, '../../../shared/data/totalseg-example');
    if (!existsSync(dir)) {
      console.log(`skipping: ${dir} is missing`);
      ctx.skip();
      return;
    }
    for (const [file, key, spec] of [
      ['example_seg.labels.json', 'total_ct_class_names', 'total'],
      ['example_seg_mr.labels.json', 'total_mr_class_names', 'total_mr'],
    ] as const) {
      const table = JSON.parse(readFileSync(path.join(dir, file), 'utf8'))[key] as Record<string, string>;
      const s = loadGroupSpec(spec);
      for (const [id, name] of Object.entries(table)) expect(s.classNames.get(Number(id)), `${spec} id ${id}`).toBe(name);
    }
  });

  it('applyGroupSpec maps ids, and unknown ids error with file and ids, or go to other', () => {
    const v = makeVolume(Int16Array.from([0, 1, 2, 3, 7, 9, 9, 1]), [8, 1, 1]);
    const spec = { name: 't', groups: [{ name: 'a', ids: [1, 2] }, { name: 'b', ids: [3] }] };
    expect(() => applyGroupSpec(v, parseGroupSpec(spec), 'seg.nii.gz')).toThrow(/seg\.nii\.gz: 2 label id\(s\) not in group spec 't'.*: 7, 9/);
    const other = applyGroupSpec(v, parseGroupSpec({ ...spec, unknown: 'other' }), 'seg.nii.gz');
    expect(Array.from(other.volume.data)).toEqual([0, 1, 1, 2, 3, 3, 3, 1]);
    expect(other.groupNames).toEqual(['a', 'b', 'other']);
    expect(other.unknownIds).toEqual([7, 9]);
    const ign = applyGroupSpec(v, parseGroupSpec({ ...spec, unknown: 'ignore', ignore: [7] }), 'seg.nii.gz');
    expect(Array.from(ign.volume.data)).toEqual([0, 1, 1, 2, 0, 0, 0, 1]);
    expect(ign.unknownIds).toEqual([9]);
  });

  it('rejects malformed specs with the origin in the message', () => {
    expect(() => parseGroupSpec({ name: 'x', groups: [{ name: 'a', ids: [1] }, { name: 'b', ids: [1] }] }, 'my.json')).toThrow(/my\.json: id 1 is in both groups "a" and "b"/);
    expect(() => parseGroupSpec({ name: 'x', groups: [{ name: 'a', members: ['liver'] }] }, 'my.json')).toThrow(/member "liver" is not in classNames/);
    expect(() => parseGroupSpec({ name: 'x', groups: [] })).toThrow(/non-empty array/);
    expect(() => loadGroupSpec('/nonexistent/spec.json')).toThrow(/no such file/);
  });
});
