export interface InitGeneratorSchema {
  /** Leave package.json unchanged. @default false */
  skipPackageJson?: boolean;
  /** Keep a version of the plugin that package.json already names. @default true */
  keepExistingVersions?: boolean;
  /** Skip formatting the changed files. @default false */
  skipFormat?: boolean;
}
