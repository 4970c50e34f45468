import { isMobile, isResidentId, isUscc, normalizeMobile } from '../data/validation/identifiers';
import { maskIdNumber, maskPhone, redactDeep, redactText } from '../data/validation/masking';

describe('mainland mobile numbers', () => {
  it.each(['13812345678', '19912345678', '+86 138 1234 5678', '138-1234-5678', '１３８１２３４５６７８'])('accepts %s', (n) => {
    expect(isMobile(n)).toBe(true);
  });
  it.each(['12812345678', '1381234567', '138123456789', '23812345678', 'abc', '', '110'])('refuses %s', (n) => {
    expect(isMobile(n)).toBe(false);
  });
  it('normalizes prefixes and separators', () => {
    expect(normalizeMobile('+86 138-1234-5678')).toBe('13812345678');
  });
});

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts the domain example', () => expect(isUscc('91350100M000100Y43')).toBe(true));
  it('accepts lower case', () => expect(isUscc('91350100m000100y43')).toBe(true));
  it('refuses a wrong check character', () => expect(isUscc('91350100M000100Y44')).toBe(false));
  it('refuses letters outside the alphabet (I, O, S, V, Z)', () => expect(isUscc('91350100M000100I43')).toBe(false));
  it('refuses the wrong length', () => expect(isUscc('91350100M000100Y4')).toBe(false));
});

describe('resident ID number (GB 11643)', () => {
  it.each(['11010519491231002X', '440524188001010014'])('accepts %s', (id) => expect(isResidentId(id)).toBe(true));
  it('refuses a wrong check character', () => expect(isResidentId('110105194912310021')).toBe(false));
  it('refuses an impossible birth date', () => expect(isResidentId('110105194902300021')).toBe(false));
});

describe('masking', () => {
  it('masks phones as 138****5678', () => expect(maskPhone('13812345678')).toBe('138****5678'));
  it('masks ID numbers keeping region and last four', () => expect(maskIdNumber('11010519491231002X')).toBe('110105********002X'));
  it('redacts phones and IDs inside free text', () => {
    const out = redactText('我的电话13812345678，身份证11010519491231002X，另一个 +86 139-1234-5678');
    expect(out).not.toContain('13812345678');
    expect(out).not.toContain('19491231');
    expect(out).toContain('138****5678');
    expect(out).toContain('110105********002X');
    expect(out).toContain('139****5678');
  });
  it('redacts deeply, including errors, and leaves other values alone', () => {
    const out = redactDeep({ a: ['13812345678'], n: 5, e: new Error('call 13812345678') });
    expect(out.a[0]).toBe('138****5678');
    expect(out.n).toBe(5);
    expect(out.e.message).toBe('call 138****5678');
  });
});
