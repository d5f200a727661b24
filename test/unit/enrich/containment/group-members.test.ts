import { describe, expect, it } from 'vitest';
import { groupTree, resolveGroups } from '../../../../src/enrich/containment/group-members.ts';
import type { SepmGroup } from '../../../../src/sepm/functions/schemas.ts';

/** Group resolution and subgroup expansion for group-targeted containment (issue 10 item 4). */

const D1 = 'A'.repeat(32);
const D2 = 'B'.repeat(32);
const g = (id: string, fullPathName: string | null, domain = D1): SepmGroup => ({
  id,
  name: fullPathName?.split('\\').pop() ?? 'x',
  fullPathName,
  domain: { id: domain },
});

const groups: SepmGroup[] = [
  g('0A'.repeat(16), 'My Company'),
  g('1A'.repeat(16), 'My Company\\Servers'),
  g('2A'.repeat(16), 'My Company\\Servers\\DMZ'),
  g('3A'.repeat(16), 'My Company\\Servers-Old'),
  g('4A'.repeat(16), 'My Company\\Workstations'),
  g('5A'.repeat(16), 'My Company', D2),
  g('6A'.repeat(16), 'My Company\\Servers', D2),
  g('7A'.repeat(16), null),
];

describe('resolveGroups', () => {
  it('finds groups by id in any case', () => {
    expect(resolveGroups(groups, ['1a'.repeat(16)], 'quarantine').map((x) => x.fullPathName)).toEqual([
      'My Company\\Servers',
    ]);
  });

  it('refuses ids SEPM does not list, or lists without a path, naming them (fail closed)', () => {
    for (const id of ['F'.repeat(32), '7a'.repeat(16)]) {
      expect(() => resolveGroups(groups, ['0A'.repeat(16), id], 'quarantine')).toThrow(
        expect.objectContaining({ code: 'POLICY_TARGET_UNRESOLVED', message: expect.stringContaining(id) }),
      );
    }
  });
});

describe('groupTree', () => {
  const paths = (ids: string[]) =>
    groupTree(groups, resolveGroups(groups, ids, 'quarantine')).map((x) => `${x.domain?.id?.[0]}:${x.fullPathName}`);

  it('expands to every subgroup of the same domain, not to look-alike siblings', () => {
    expect(paths(['1A'.repeat(16)])).toEqual(['A:My Company\\Servers', 'A:My Company\\Servers\\DMZ']);
  });

  it('the root reaches the whole domain and only that domain', () => {
    expect(paths(['0a'.repeat(16)]).sort()).toEqual(
      [
        'A:My Company',
        'A:My Company\\Servers',
        'A:My Company\\Servers\\DMZ',
        'A:My Company\\Servers-Old',
        'A:My Company\\Workstations',
      ].sort(),
    );
  });
});
