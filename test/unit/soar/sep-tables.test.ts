import { describe, expect, it } from 'vitest';
import { SepTableDefs } from '../../../sim/soar/state.ts';
import { SEP_TABLE_COLUMNS, SepTables } from '../../../src/soar/sep-tables.ts';

describe('SEP data tables (one definition for enrich, the embedded store and the SOAR simulator)', () => {
  it('has columns for exactly the seven tables', () => {
    expect(Object.keys(SEP_TABLE_COLUMNS).sort()).toEqual(Object.values(SepTables).sort());
    expect(Object.keys(SEP_TABLE_COLUMNS)).toHaveLength(7);
  });

  it('is what the simulator defines as its org table types', () => {
    for (const [name, columns] of Object.entries(SEP_TABLE_COLUMNS)) {
      expect(SepTableDefs[name]?.columns).toEqual(columns);
    }
    expect(Object.keys(SepTableDefs).sort()).toEqual(Object.values(SepTables).sort());
  });
});
