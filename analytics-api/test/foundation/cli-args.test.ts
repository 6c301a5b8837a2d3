import { describe, expect, it } from 'vitest';
import { parseArgs, stringOption, userPath } from '../../src/cli/args.js';

/** The CLI's word rules (src/cli/args.ts): every form a usage line or a script may write. */
describe('cli arguments', () => {
  it('reads --name=value, --name value and a bare --flag, and keeps the positionals in order', () => {
    const args = parseArgs(['tenant', '--name=Acme Ltd', 'create', '--timezone', 'Europe/Paris', '--yes']);
    expect(args).toEqual({
      positionals: ['tenant', 'create'],
      options: { name: 'Acme Ltd', timezone: 'Europe/Paris', yes: true },
      json: false,
    });
  });

  it('--json is a flag of its own, wherever it stands, and never an option value', () => {
    expect(parseArgs(['--json', 'migrate'])).toEqual({ positionals: ['migrate'], options: {}, json: true });
    expect(parseArgs(['export', '--tenant', '--json'])).toEqual({ positionals: ['export'], options: { tenant: true }, json: true });
  });

  it('a value may start with one dash (stdin, a negative number) and may contain =', () => {
    expect(parseArgs(['--file', '-', '--capacity', '-5', '--filter=a=b']).options).toEqual({ file: '-', capacity: '-5', filter: 'a=b' });
  });

  it('an empty inline value is a value, not a flag', () => {
    expect(stringOption(parseArgs(['--name=']), 'name')).toBe('');
  });

  it('an option no command knows is kept as given (the command decides), and -- ends the options', () => {
    const args = parseArgs(['verify', '--no-such-option', 'x', '--', '--tenant']);
    expect(args.options).toEqual({ 'no-such-option': 'x' });
    expect(args.positionals).toEqual(['verify', '--tenant']);
  });

  it('stringOption answers undefined for a bare flag or a missing option', () => {
    const args = parseArgs(['--date', '--full']);
    expect(stringOption(args, 'date')).toBeUndefined();
    expect(stringOption(args, 'tenant')).toBeUndefined();
    expect(args.options['full']).toBe(true);
  });

  it('userPath resolves against the folder the command was typed in (INIT_CWD under npm)', () => {
    expect(userPath('out/x.csv', { INIT_CWD: '/home/me' })).toBe('/home/me/out/x.csv');
    expect(userPath('/abs/x.csv', { INIT_CWD: '/home/me' })).toBe('/abs/x.csv');
  });
});
