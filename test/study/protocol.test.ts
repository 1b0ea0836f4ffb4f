/**
 * The study protocol: the committed protocol.json validates, its hash is the SHA-256 of the
 * canonical JSON (checked against coreutils' sha256sum of a hand-written canonical string and,
 * when Debian's python is there, against Python's own canonicalisation), the hash ignores
 * formatting and follows content, and bad protocols are refused with every problem named.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson, describeProtocol, loadProtocol, PROTOCOL_PATH, protocolHash, validateProtocol } from '../../lib/study/protocol';
import { protocolStudies } from '../../lib/study/config';
import { studyRunConfig } from '../../lib/study/pipeline';

const dir = mkdtempSync(path.join(tmpdir(), 'protocol-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const committed = () => JSON.parse(readFileSync(PROTOCOL_PATH, 'utf8'));

function writeVariant(name: string, edit: (p: ReturnType<typeof committed>) => void, indent = 2): string {
  const p = committed();
  edit(p);
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(p, null, indent));
  return file;
}

describe('protocol.json', () => {
  it('the committed file validates, and its hash is printed in the report line', () => {
    const loaded = loadProtocol();
    expect(loaded.protocol.primary.id).toBe('small_lesion_froc_pauc');
    expect(loaded.protocol.baselineArm).toBe('binary');
    expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(describeProtocol(loaded)).toBe(`protocol backsplit-small-lesion-detection v2 (frozen), sha256 ${loaded.sha256}`);
  });

  it('canonical JSON and its SHA-256 match coreutils on a hand-written case', () => {
    const text = '{ "b": [1, {"d": 0, "c": "x"}],\n  "a": true }';
    expect(canonicalJson(JSON.parse(text))).toBe('{"a":true,"b":[1,{"c":"x","d":0}]}');
    // printf '%s' '{"a":true,"b":[1,{"c":"x","d":0}]}' | sha256sum
    expect(protocolHash(text)).toBe('a20a8ce7e834306b9f389db1e76cf5c1ec12e8cedbc56e66ca3d0e0b69762097');
    expect(() => canonicalJson({ x: Infinity })).toThrow(/no JSON form/);
  });

  it.skipIf(!existsSync('/usr/bin/python3'))('the committed hash equals Python’s canonicalisation (sorted keys, no spaces)', () => {
    const script = 'import hashlib,json,sys; o=json.load(open(sys.argv[1])); ' +
      "print(hashlib.sha256(json.dumps(o, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode()).hexdigest())";
    const py = execFileSync('/usr/bin/python3', ['-c', script, PROTOCOL_PATH], { encoding: 'utf8' }).trim();
    expect(loadProtocol().sha256).toBe(py);
  });

  it('the hash ignores formatting and changes with any content change', () => {
    const base = loadProtocol().sha256;
    expect(loadProtocol(writeVariant('reformatted.json', () => undefined, 4)).sha256).toBe(base);
    expect(loadProtocol(writeVariant('threshold.json', (p) => (p.primary.candidateThreshold = 0.15))).sha256).not.toBe(base);
    expect(loadProtocol(writeVariant('arm-text.json', (p) => (p.arms[0].definition += '.'))).sha256).not.toBe(base);
  });
});

describe('validateProtocol', () => {
  const refuse = (edit: (p: ReturnType<typeof committed>) => void) => () => validateProtocol((() => { const p = committed(); edit(p); return p; })(), 'my-protocol.json');

  it('names the file and every bad field', () => {
    expect(refuse((p) => { delete p.primary.maxFpPerCase; p.statistics.alpha = 2; })).toThrow(/my-protocol\.json: invalid protocol:\n {2}protocol\.primary\.maxFpPerCase is missing\n {2}protocol\.statistics\.alpha must be a number > 0 and < 1, got 2/);
    expect(refuse((p) => (p.primary.candidateThresold = 0.1))).toThrow(/protocol\.primary\.candidateThresold is not a protocol field/);
    expect(refuse((p) => (p.primary.connectivity = 8))).toThrow(/connectivity must be 6, 18 or 26, got 8/);
    expect(refuse((p) => (p.status = 'final'))).toThrow(/status must be one of "draft", "frozen", got "final"/);
    expect(refuse((p) => (p.arms = 'binary'))).toThrow(/protocol\.arms must be a list/);
  });

  it('checks references between sections', () => {
    expect(refuse((p) => (p.baselineArm = 'binry'))).toThrow(/baselineArm "binry" is not an arm id/);
    expect(refuse((p) => p.arms.push({ ...p.arms[0] }))).toThrow(/id "binary" appears more than once/);
    expect(refuse((p) => (p.statistics.families[1].comparisons[0].baseline = 'nope'))).toThrow(/\(mechanism\): arm "nope" is not an arm id/);
    expect(refuse((p) => (p.statistics.families[2].endpoints = ['dice', 'iou']))).toThrow(/endpoint "iou" is not "primary" or a secondary endpoint/);
    expect(refuse((p) => (p.primary.lesionVolumeMl = { min: 1, max: 1 }))).toThrow(/lesionVolumeMl\.min must be below max/);
    expect(refuse((p) => (p.secondary.threshold.criterion = 'iou'))).toThrow(/criterion "iou" is not a secondary endpoint/);
    expect(refuse((p) => (p.robustness[0].field = 'primary.candidateThreshhold'))).toThrow(/robustness\[0\]\.field "primary\.candidateThreshhold" is not a numeric protocol field/);
  });

  it('refuses too few seeds for a family to reach its first Holm threshold', () => {
    // mechanism: 6 comparisons × 4 datasets = 24 tests; 2/2ⁿ ≤ 0.05/24 needs n ≥ 10
    expect(refuse((p) => { p.seeds.minimum = 9; p.seeds.planned = 9; })).toThrow(/seeds\.minimum 9 is too few for family "mechanism" \(24 tests\): the sign-flip test needs ≥ 10 seeds/);
  });

  it('a frozen protocol has no placeholders and a fixed stopping rule', () => {
    expect(refuse((p) => { p.datasets[3].minTestCases = null; p.stopping.status = 'proposal'; })).toThrow(/protocol\.datasets\[3\]\.minTestCases is still a placeholder \(null\) in a frozen protocol[\s\S]*stopping\.status must be "fixed"/);
    // a draft may hold both
    expect(refuse((p) => { p.status = 'draft'; p.datasets[3].minTestCases = null; p.stopping.status = 'proposal'; })).not.toThrow();
  });

  it('the frozen v2 stopping rule is the V2c pilot\'s fixed budget, and the planned presets train it', () => {
    const { stopping } = loadProtocol().protocol;
    expect(stopping).toMatchObject({ status: 'fixed', maxSteps: 6000, validateEvery: 200 });
    for (const preset of ['long', 'full'] as const) {
      for (const s of protocolStudies(preset)) {
        const run = studyRunConfig(s, 'backsplit', 0); // the resolved config a run trains with
        expect([run.steps, run.validation.every, run.learningRate], `${preset} ${s.protocolDataset}`).toEqual([6000, 200, 2e-3]);
      }
    }
    expect(refuse((p) => (p.stopping.patience = 0))).toThrow(/stopping\.patience must be an integer ≥ 1/);
  });

  it('version 1 is kept as docs/protocol-v1.json with the hash its reports printed, and version 2 changes only the version and the budget', () => {
    const v1 = loadProtocol(path.join(path.dirname(PROTOCOL_PATH), 'docs', 'protocol-v1.json'));
    // the hash every version-1 report printed (README, the --long runs of sessions 5–8)
    expect(v1.sha256).toBe('51bbf0a6597b77cfdcbe6f285cf033079c09555b69046be6a7ce38aaa574e447');
    expect(v1.protocol.version).toBe(1);
    expect(v1.protocol.stopping).toMatchObject({ maxSteps: 1500, validateEvery: 100 });
    const v2 = loadProtocol().protocol;
    const strip = (p: typeof v2) => canonicalJson({ ...p, version: 0, stopping: { ...p.stopping, maxSteps: 0, validateEvery: 0, select: '' } });
    expect(strip(v2)).toBe(strip(v1.protocol));
  });

  it('unreadable and non-JSON files name the file', () => {
    expect(() => loadProtocol(path.join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the protocol/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"protocol": ');
    expect(() => loadProtocol(bad)).toThrow(/bad\.json: not valid JSON/);
  });
});
