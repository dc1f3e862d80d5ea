import type { ExecutorContext } from '@nx/devkit';

/** Returns the root folder, relative to the workspace, of the project an executor runs for. */
export function projectRootOf(context: ExecutorContext): string {
  const name = context.projectName;
  const project = name
    ? context.projectsConfigurations.projects[name]
    : undefined;
  if (!project) {
    throw new Error(`project ${name} not found in the workspace`);
  }
  return project.root;
}
