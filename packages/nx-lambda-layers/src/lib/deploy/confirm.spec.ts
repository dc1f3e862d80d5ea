import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { confirmChangeSet } from './confirm';

const WORKSPACE_ROOT = join(__dirname, '../../../../..');

// The prompts below stand in for the terminal, which a test cannot drive.
describe('confirmChangeSet', () => {
  it('returns the answer', async () => {
    const questions: string[] = [];
    const yes = async (question: string) => {
      questions.push(question);
      return true;
    };

    expect(await confirmChangeSet('orders', 'cs-1', yes)).toBe(true);
    expect(questions).toEqual(['Deploy this change set to orders?']);
    expect(await confirmChangeSet('orders', 'cs-1', async () => false)).toBe(
      false,
    );
  });

  it('no terminal fails with the way out', async () => {
    const noTerminal = async () => undefined;

    await expect(
      confirmChangeSet('orders', 'cs-1', noTerminal),
    ).rejects.toThrow(
      'confirm_changeset is set for stack orders and there is no terminal',
    );
    await expect(
      confirmChangeSet('orders', 'cs-1', noTerminal),
    ).rejects.toThrow('`autoApprove` option');
  });
});

describe('terminalPrompt', () => {
  const confirmModule = join(__dirname, 'confirm.ts');
  /** Prints the prompt's result as `RESULT=<value>`. */
  const program =
    `require(${JSON.stringify(confirmModule)}).terminalPrompt('Go?')` +
    ".then((value) => console.log('RESULT=' + value))";

  /** Runs `program` under Node with SWC, stdin from `input`. */
  function run(command: string, args: string[], input: string) {
    return new Promise<string>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: WORKSPACE_ROOT,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('[y/N]') && input) {
          child.stdin.write(input);
          input = '';
        }
      });
      child.on('error', reject);
      child.on('close', () => resolve(output));
    });
  }

  const nodeArgs = ['-r', '@swc-node/register', '-e', program];

  it.each([
    ['yes', 'true'],
    ['Y', 'true'],
    ['no', 'false'],
    ['', 'false'],
  ])(
    'terminal answer %j is %s',
    async (answer, expected) => {
      // `script` (util-linux) gives the program a pseudo-terminal, so its
      // stdin and stdout are TTYs, and forwards what is written to it.
      const command = [process.execPath, ...nodeArgs]
        .map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`)
        .join(' ');

      const output = await run(
        'script',
        ['-qec', command, '/dev/null'],
        `${answer}\r`,
      );

      expect(output).toContain('Go? [y/N]: ');
      expect(output).toContain(`RESULT=${expected}`);
    },
    30_000,
  );

  it('returns undefined without a terminal', async () => {
    const output = await run(process.execPath, nodeArgs, '');

    expect(output).not.toContain('[y/N]');
    expect(output).toContain('RESULT=undefined');
  }, 30_000);
});
