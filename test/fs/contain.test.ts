// Path containment: one rule for "is this path inside that root", the sibling that shares a prefix included.
import t from 'tap';
import { isInside, isInsideOrAt } from '../../src/fs/contain.js';

t.test('a path is inside a root only below it, never beside it', async (t) => {
  t.ok(isInside('/runs', '/runs/a'));
  t.ok(isInside('/runs', '/runs/a/b'));
  t.ok(isInside('/', '/runs'));
  t.notOk(isInside('/runs', '/runs'), 'the root itself is not inside');
  t.notOk(isInside('/runs', '/runs-old/a'), 'a sibling that shares the prefix is outside');
  t.notOk(isInside('/runs', '/run'));
  t.ok(isInside('/runs', '/runs/..x'), 'a directory named ..x is inside');
  t.ok(isInsideOrAt('/runs', '/runs'));
  t.notOk(isInsideOrAt('/runs', '/runsx'));
});
