import { describe, expect, it } from 'vitest';
import { maskPersonalData } from '../../adapters/outbox/mask-personal-data.ts';

describe('maskPersonalData', () => {
  it('masks ID-card and mobile numbers wherever they appear', () => {
    expect(maskPersonalData('身份证520102199001011234，电话13812345678')).toBe('身份证5201**********1234，电话138****5678');
    expect(maskPersonalData('52010219900101123X')).toBe('5201**********123X');
  });

  it('leaves UUIDs whole even when they hold a phone-shaped run of digits', () => {
    const id = '550e8400-e29b-41d4-a716-a13812345678';
    expect(maskPersonalData(id)).toBe(id);
    expect(maskPersonalData(`instance ${id} applicant 13912345678`)).toBe(`instance ${id} applicant 139****5678`);
  });
});
