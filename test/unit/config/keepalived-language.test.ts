import { describe, expect, it } from 'vitest';
import { parseKeepalived } from '../../../src/config/keepalived/parse.js';
import { newLanguageContext, preprocess } from '../../../src/config/keepalived/preprocess.js';

const lines = (text: string, id = 'lb1', file = '/etc/keepalived/keepalived.conf') => preprocess(text, file, newLanguageContext(id, { SITE: 'fra' }));
const texts = (text: string, id?: string) => lines(text, id).map((l) => l.text.trim()).filter(Boolean);

describe("Keepalived's config language", () => {
  it('substitutes $NAME before whitespace and ${NAME} anywhere, at the time of use', () => {
    expect(texts('$BASE=10.2.${SUB}\n$SUB=0\n${BASE}.100/32\n$SUB=10\n${BASE}.100/32\npriority $PRIO\n$PRIO=5\npriority $PRIO\n')).toEqual([
      '10.2.0.100/32',
      '10.2.10.100/32',
      'priority $PRIO',
      'priority 5',
    ]);
  });

  it('keeps a word with an undefined ${NAME} whole, and knows the predefined names', () => {
    const tree = parseKeepalived('script ${UNDEF}/x.sh\nscript ${_PWD}/scripts/vs.sh ${_ENV SITE} ${_HASH}1\n', '/etc/keepalived/keepalived.conf', newLanguageContext('lb1', { SITE: 'fra' }));
    expect(tree.map((s) => s.args)).toEqual([['${UNDEF}/x.sh'], ['/etc/keepalived/scripts/vs.sh', 'fra', '#1']]);
  });

  it('keeps @ID lines for the config id only, and @^ID lines for every other', () => {
    const text = '@lb1 priority 150\n@lb2 priority 100\n@^lb1 unicast_src_ip 10.0.0.2\n@^lb2 unicast_src_ip 10.0.0.1\n';
    expect(texts(text, 'lb1')).toEqual(['priority 150', 'unicast_src_ip 10.0.0.1']);
    expect(texts(text, 'lb2')).toEqual(['priority 100', 'unicast_src_ip 10.0.0.2']);
  });

  it('expands multiline definitions, with definitions inside them taking effect in order', () => {
    const text = [
      '$RS= \\',
      'real_server 192.168.${VS}.${N} 80 { \\',
      '  weight ${N} \\',
      '}',
      '$VS_BODY= \\',
      'virtual_server 10.0.${VS}.4 80 { \\',
      '  $N=1 \\',
      '  $RS \\',
      '  $N=2 \\',
      '  $RS \\',
      '}',
      '$VS=7',
      '$VS_BODY',
    ].join('\n');
    const tree = parseKeepalived(text, 'k.conf', newLanguageContext('lb1'));
    expect(tree).toMatchObject([
      {
        keyword: 'virtual_server',
        args: ['10.0.7.4', '80'],
        line: 13,
        children: [
          { keyword: 'real_server', args: ['192.168.7.1', '80'], children: [{ keyword: 'weight', args: ['1'] }] },
          { keyword: 'real_server', args: ['192.168.7.2', '80'], children: [{ keyword: 'weight', args: ['2'] }] },
        ],
      },
    ]);
  });

  it('a conditional value: $IF=@id makes the line conditional', () => {
    expect(texts('$IF_MAIN=@lb1\n$IF_MAIN priority 240\n', 'lb1')).toEqual(['priority 240']);
    expect(texts('$IF_MAIN=@lb1\n$IF_MAIN priority 240\n', 'lb2')).toEqual([]);
  });

  it('repeats ~SEQ lines, in decimal or hex, nested, each with its source line', () => {
    expect(texts('~SEQ(N, 0, 3) ip 10.0.${N}.1\n')).toEqual(['ip 10.0.0.1', 'ip 10.0.1.1', 'ip 10.0.2.1', 'ip 10.0.3.1']);
    expect(texts('~SEQx(S, 0x90, 0x10, 0xc0) fe80::${S}:1\n')).toEqual(['fe80::90:1', 'fe80::a0:1', 'fe80::b0:1', 'fe80::c0:1']);
    expect(texts('~SEQ(N, 3) x${N}\n~SEQ(N, 2, -1, 1) y${N}\n')).toEqual(['x1', 'x2', 'x3', 'y2', 'y1']);
    expect(texts('~SEQ(A, 1, 2) ~SEQ(B, 1, 2) ${A}.${B}\n')).toEqual(['1.1', '1.2', '2.1', '2.2']);
    expect(lines('a\n~SEQ(N, 1, 2) x${N}\n').map((l) => l.line)).toEqual([1, 2, 2, 3]);
  });

  it('refuses what it cannot read, with the line', () => {
    expect(() => parseKeepalived('\n$A=${A}x\n${A}\n', 'k.conf', newLanguageContext('lb1'))).toThrow(/k\.conf:3: parameters nested deeper than 64/);
    expect(() => parseKeepalived('x ${_RANDOM 1 9}\n', 'k.conf', newLanguageContext('lb1'))).toThrow(/k\.conf:1: \$\{_RANDOM\} gives another value/);
    expect(() => parseKeepalived('~SEQ(N, 1, 0, 5) x\n', 'k.conf', newLanguageContext('lb1'))).toThrow(/k\.conf:1: ~SEQ step 0/);
    expect(() => parseKeepalived('~SEQ(N, a) x\n', 'k.conf', newLanguageContext('lb1'))).toThrow(/k\.conf:1: ~SEQ\(VAR/);
  });
});
