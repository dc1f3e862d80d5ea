import { createInterface } from 'node:readline/promises';

/**
 * Prompts a yes/no question. Resolves to true for yes, or to undefined when
 * there is no terminal to prompt on (CI, piped input).
 */
export type ConfirmPrompt = (question: string) => Promise<boolean | undefined>;

/** Prompts on the process's terminal; `y` or `yes` (any case) is yes. */
export const terminalPrompt: ConfirmPrompt = async (question) => {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    return undefined;
  }
  const terminal = createInterface({
    input: process.stdin,
    output: process.stdout,
  });
  try {
    const answer = await terminal.question(`${question} [y/N]: `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
};

/**
 * Prompts for approval of the change set and returns true when it may be
 * executed. Throws, naming the change set and the `autoApprove` option,
 * when there is no terminal to prompt on.
 */
export async function confirmChangeSet(
  stackName: string,
  changeSetId: string,
  prompt: ConfirmPrompt,
): Promise<boolean> {
  const answer = await prompt(`Deploy this change set to ${stackName}?`);
  if (answer === undefined) {
    throw new Error(
      `confirm_changeset is set for stack ${stackName} and there is no ` +
        `terminal to ask on; change set ${changeSetId} is left for review. ` +
        'Execute it with `aws cloudformation execute-change-set ' +
        `--change-set-name ${changeSetId}\`, or deploy with the ` +
        '`autoApprove` option (or `confirmChangeset: false`)',
    );
  }
  return answer;
}
