import { confirmChangeSet } from './confirm';

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
