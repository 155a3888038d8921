import t from 'tap';
import { loadConfig } from '../../runner/config.ts';
import { parseRunCommand } from '../../runner/settings.ts';
import { InputError } from '../../runner/scenario/source.ts';

t.test('defaults come from config/default.yaml', async (t) => {
  const dir = t.testdir({});
  const c = loadConfig(dir);
  t.equal(c.backend, 'sim');
  t.equal(c.profile, 'mainline');
  t.equal(c.dmesg_warn_level, 4);
});

t.test('primeci.config.yaml overrides the defaults, and flags override both', async (t) => {
  const dir = t.testdir({ 'primeci.config.yaml': 'workers: 3\nper_test_timeout: 30\nprofile: linux-6.2\nreporters: [junit]\n' });
  const { settings, dir: results } = parseRunCommand(['--profile', 'linux-6.1', '--reporter', 'tap=out.tap'], dir);
  t.equal(settings.workers, 3);
  t.equal(settings.perTestTimeout, 30);
  t.equal(settings.build, 'linux-6.1');
  t.same(settings.reporters, ['junit', 'tap=out.tap']);
  t.match(results, /results\/\d{4}-\d{2}-\d{2}-\d{6}-linux-6\.1$/);
  t.equal(parseRunCommand(['-j', '1', '--per-test-timeout', '5'], dir).settings.workers, 1);
});

t.test('an unknown key or a bad value is an error at its line', async (t) => {
  const dir = t.testdir({ 'primeci.config.yaml': 'workers: 2\ndmesg_level: 3\nper_test_timeout: -1\n' });
  try {
    loadConfig(dir);
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof InputError);
    const messages = (e as InputError).diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
    t.match(messages[0], /^primeci\.config\.yaml:2:1: unknown key 'dmesg_level'/);
    t.match(messages[1], /^primeci\.config\.yaml:3:19: per_test_timeout: /);
  }
});

t.test('flags are checked', async (t) => {
  const dir = t.testdir({});
  t.throws(() => parseRunCommand(['--per-test-timeout', '0'], dir), /expected seconds > 0/);
  t.throws(() => parseRunCommand(['--abort-on-monitored-error=lockdep,smoke'], dir), /unknown monitor 'smoke'/);
  t.same(parseRunCommand(['--abort-on-monitored-error'], dir).settings.abortOn, ['lockdep', 'taint']);
  t.throws(() => parseRunCommand(['--resume', 'x', '-t', 'y'], dir), /--resume takes no other options/);
  t.throws(() => parseRunCommand(['--resume', 'nowhere'], dir), /cannot read .*settings\.json/);
});
