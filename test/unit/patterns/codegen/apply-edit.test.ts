import { describe, expect, it } from 'vitest';
import { SixfoldError } from '../../../../src/errors.js';
import { applyEdit, parseEdit } from '../../../../src/patterns/codegen/apply-edit.js';
import { isMarker } from '../../../../src/patterns/codegen/markers.js';

const ORIG = `import a from 'a';

function one() {
  return 1;
}

function two() {
  return 2;
}

function three() {
  return 3;
}
`;

function refused(original: string, edit: string): SixfoldError {
  try {
    applyEdit(original, edit);
  } catch (err) {
    if (err instanceof SixfoldError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('markers', () => {
  it.each([
    '// ... existing code ...',
    '# ... rest of code ...',
    '-- ... Existing Code Here ...',
    '/* ... unchanged ... */',
    '<!-- ... existing code ... -->',
    '; ... existing code ...',
    '% … existing code …',
    '    // ... EXISTING CODE ...',
  ])('recognises %s', (line) => expect(isMarker(line)).toBe(true));

  it.each(['// existing code', 'x = 1; // ... existing code ...', '// ... something else ...', '...existing code...'])(
    'does not take %s for a marker',
    (line) => expect(isMarker(line)).toBe(false),
  );

  it('splits an edit into regions and notes which have markers around them', () => {
    const regions = parseEdit(['a', '// ... existing code ...', 'b', 'c', '// ... existing code ...']);
    expect(regions.map((r) => [r.lines, r.leadingMarker, r.trailingMarker])).toEqual([
      [['a'], false, true],
      [['b', 'c'], true, true],
    ]);
  });
});

describe('applyEdit', () => {
  it("replaces the lines between a region's anchors", () => {
    const r = applyEdit(ORIG, '// ... existing code ...\nfunction two() {\n  return 22;\n}\n// ... existing code ...\n');
    expect(r.merged).toBe(ORIG.replace('return 2;', 'return 22;'));
    expect(r.regions).toEqual([{ start_line: 7, end_line: 9, anchors: ['function two() {', '}'], deleted_lines: 1 }]);
    expect(r.changed_lines).toBe(2);
    expect(r.confidence).toBeGreaterThanOrEqual(0.5);
  });

  it('expresses deletion by leaving lines out between anchors', () => {
    const r = applyEdit(ORIG, '// ... existing code ...\n  return 1;\n}\n\nfunction three() {\n// ... existing code ...\n');
    expect(r.merged).toBe(ORIG.replace('function two() {\n  return 2;\n}\n\n', ''));
  });

  it('inserts new code between anchors', () => {
    const edit =
      '// ... existing code ...\n}\n\nfunction twoAndHalf() {\n  return 2.5;\n}\n\nfunction three() {\n// ... existing code ...\n';
    const r = applyEdit(ORIG, edit);
    expect(r.merged).toBe(ORIG.replace('function three() {', 'function twoAndHalf() {\n  return 2.5;\n}\n\nfunction three() {'));
  });

  it('a region with no marker before it starts at line 1', () => {
    const r = applyEdit(ORIG, "import b from 'b';\nimport a from 'a';\n// ... existing code ...\n");
    expect(r.merged).toBe(`import b from 'b';\n${ORIG}`);
  });

  it('a region with no marker after it runs to the end of the file', () => {
    const r = applyEdit(ORIG, '// ... existing code ...\nfunction three() {\n  return 3;\n}\n\nexport { one };\n');
    expect(r.merged).toBe(`${ORIG}\nexport { one };\n`);
  });

  it('an edit with no markers replaces the whole file; an empty original takes the edit with markers dropped', () => {
    expect(applyEdit(ORIG, 'x\n').merged).toBe('x\n');
    expect(applyEdit(ORIG, 'x\n').strategy).toBe('full_replace');
    const r = applyEdit('', '// ... existing code ...\nconst x = 1;\n');
    expect(r.merged).toBe('const x = 1;\n');
    expect(r.strategy).toBe('empty_original');
  });

  it('keeps regions in order and uses the order to resolve repeated anchors', () => {
    const edit =
      '// ... existing code ...\nfunction one() {\n  return 11;\n}\n// ... existing code ...\nfunction three() {\n  return 33;\n}\n';
    const r = applyEdit(ORIG, edit);
    expect(r.merged).toBe(ORIG.replace('return 1;', 'return 11;').replace('return 3;', 'return 33;'));
  });

  it("resolves an anchor that occurs several times by the region's other context lines", () => {
    const orig = 'if (a) {\n  return null;\n}\nif (b) {\n  return null;\n}\n';
    const r = applyEdit(orig, '// ... existing code ...\nif (b) {\n  return undefined;\n}\n');
    expect(r.merged).toBe('if (a) {\n  return null;\n}\nif (b) {\n  return undefined;\n}\n');
  });

  it('when several placements fit, takes the one deleting the fewest lines', () => {
    // "}" closes both blocks; the nearest one after the pivot deletes nothing extra.
    const orig = 'function f() {\n  x();\n}\n\nfunction g() {\n  y();\n}\n';
    const r = applyEdit(orig, '// ... existing code ...\nfunction f() {\n  z();\n}\n// ... existing code ...\n');
    expect(r.merged).toBe('function f() {\n  z();\n}\n\nfunction g() {\n  y();\n}\n');
  });

  it('inserts between two blocks whose contexts share the blank line between them', () => {
    // "}" + "" before the new function and "" + "function three() {" after it: one blank line in the
    // original is context at both ends. Placing it after function one would delete function two.
    const edit =
      '// ... existing code ...\n}\n\nfunction twoAndHalf() {\n  return 2.5;\n}\n\nfunction three() {\n// ... existing code ...\n';
    const r = applyEdit(ORIG, edit);
    expect(r.merged).toBe(ORIG.replace('function three() {', 'function twoAndHalf() {\n  return 2.5;\n}\n\nfunction three() {'));
    expect(r.regions[0].deleted_lines).toBe(0);
    expect(r.alternatives).toEqual([{ region: 1, start_line: 5, end_line: 11, deleted_lines: 2 }]);
  });

  it('never lets a redeclared name pull in a placement that deletes more: it flags the merge instead', () => {
    // Anchored only by a blank line and the last line. The fewest-deleted placement inserts after
    // the old types and so declares "type Parts" twice; the other would delete four lines the edit
    // never shows. The rule keeps the first and says why it is a guess.
    const orig =
      'const P = 1;\n\n// where the keys come from\ntype A = "x" | "y";\ntype B = "z";\ntype Parts = A | B;\n\ninterface Part {\n  type: Parts;\n}\n';
    const edit =
      '// ... existing code ...\n\ninterface Registry {\n  x: never;\n  y: never;\n}\n\ntype Parts = keyof Registry;\n\ninterface Part {\n// ... existing code ...\n';
    const r = applyEdit(orig, edit);
    expect(r.merged).toBe(
      orig.replace(
        '\ninterface Part {',
        '\ninterface Registry {\n  x: never;\n  y: never;\n}\n\ntype Parts = keyof Registry;\n\ninterface Part {',
      ),
    );
    expect(r.confidence).toBeLessThan(0.5);
    expect(r.strategy).toContain('guess');
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /only blank lines.*declares a name that a line only lines 2-8 \(deleting 4\) would replace declares too/,
      ),
    ]);
    expect(r.alternatives).toEqual([{ region: 1, start_line: 2, end_line: 8, deleted_lines: 4 }]);
  });

  it('flags a region that only deletes, when it fits several places that differ in how much they delete', () => {
    const orig = 'a\n}\none\n}\ntwo\n}\n\n## keep\n';
    const r = applyEdit(orig, '// ... existing code ...\n}\n\n## keep\n// ... existing code ...\n');
    // The fewest-deleted placement is where the region already stands (it deletes nothing); the
    // edit may have meant to delete "two" or "one" too. Nothing in it says: a flagged guess.
    expect(r.merged).toBe(orig);
    expect(r.confidence).toBeLessThan(0.5);
    expect(r.strategy).toContain('guess');
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /^Region 1 \(edit lines 2-4\) was placed at lines 6-8 \(deleting 0\), but it only deletes lines, and nothing in it says how many\. Other placements: lines 4-8 \(deleting 2\), lines 2-8 \(deleting 4\)\.$/,
      ),
    ]);
    expect(r.alternatives).toEqual([
      { region: 1, start_line: 4, end_line: 8, deleted_lines: 2 },
      { region: 1, start_line: 2, end_line: 8, deleted_lines: 4 },
    ]);
  });

  it('does not flag a deleting region whose placement is decided by its context', () => {
    const orig = 'a\nb\nc\nd\n';
    const r = applyEdit(orig, '// ... existing code ...\na\nd\n');
    expect(r.merged).toBe('a\nd\n');
    expect(r.warnings).toBeUndefined();
    expect(r.confidence).toBeGreaterThanOrEqual(0.5);
  });

  it('refuses an ambiguous region, saying where it fits and how to fix it', () => {
    const orig = 'a\n}\nb\n}\nc\n';
    const err = refused(orig, '// ... existing code ...\n}\nnew\n// ... existing code ...\n');
    expect(err.message).toMatch(
      /^Region 1 \(edit lines 2-3\) is ambiguous: its context fits lines 2-2, lines 4-4, each deleting 0 line\(s\)\.$/,
    );
    expect(err.hint).toMatch(/occurs only once/);
  });

  it('refuses a region none of whose lines is in the original', () => {
    const err = refused(ORIG, '// ... existing code ...\nfunction nope() {}\n// ... existing code ...\n');
    expect(err.message).toMatch(/none of its lines occurs in the original/);
  });

  it('refuses regions given out of order', () => {
    const edit =
      '// ... existing code ...\nfunction three() {\n// ... existing code ...\nfunction one() {\n// ... existing code ...\n';
    const err = refused(ORIG, edit);
    expect(err.message).toMatch(/out of order/);
  });

  it('never leaves a marker-like line in the output', () => {
    const err = refused(
      ORIG,
      '// ... existing code ...\nfunction two() {\n  // ... existing code, but different\n}\n// ... existing code ...\n',
    );
    expect(err.message).toMatch(/looks like a marker/);
  });

  it('keeps CRLF line endings and the absence of a final newline', () => {
    const crlf = ORIG.replace(/\n/g, '\r\n');
    const r = applyEdit(crlf, '// ... existing code ...\nfunction two() {\n  return 22;\n}\n// ... existing code ...\n');
    expect(r.merged).toBe(crlf.replace('return 2;', 'return 22;'));
    const noNl = ORIG.trimEnd();
    expect(applyEdit(noNl, '// ... existing code ...\nfunction three() {\n  return 33;\n}').merged).toBe(
      noNl.replace('return 3;', 'return 33;'),
    );
  });

  it("matches context whitespace-insensitively and restores the file's indentation of a shifted snippet", () => {
    const orig = 'class A {\n    run() {\n        go();\n    }\n}\n';
    // The snippet is indented by 0 instead of 4: shifted back on merge.
    const r = applyEdit(orig, '// ... existing code ...\nrun() {\n    go();\n    stop();\n}\n// ... existing code ...\n');
    expect(r.merged).toBe('class A {\n    run() {\n        go();\n        stop();\n    }\n}\n');
    expect(r.strategy).toContain('reindent');
  });
});
