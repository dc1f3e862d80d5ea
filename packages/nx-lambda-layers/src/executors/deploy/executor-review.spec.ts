import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CloudFormationClient,
  type CreateChangeSetCommandInput,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import {
  LambdaClient,
  PublishLayerVersionCommand,
} from '@aws-sdk/client-lambda';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { ExecutorContext } from '@nx/devkit';
import JSZip from 'jszip';
import {
  captureLogs,
  recordCommands,
  useEmulator,
} from '../../../../../tools/emulator/jest-helpers';
import {
  type AwsClients,
  type AwsClientsFactory,
  createAwsClients,
} from '../../lib/aws/clients';
import type { ConfirmPrompt } from '../../lib/deploy/confirm';
import type { DeployResult } from '../../lib/deploy/report';
import deployExecutor from './executor';
import type { DeployExecutorSchema } from './schema';

useEmulator();
const logs = captureLogs();

const PROJECT_ROOT = 'apps/billing';
const BUCKET = 'deploy-review-spec';
const LAYER_PARAMETER = '/review-spec/layers/greeting/arn';
const LAYER_NAME = 'review-spec-greeting';

/** A role and a function on the layer of LAYER_PARAMETER. */
const TEMPLATE = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  LayerArn:
    Type: AWS::SSM::Parameter::Value<String>
    Default: ${LAYER_PARAMETER}
Resources:
  FunctionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Service: lambda.amazonaws.com
            Action: sts:AssumeRole
  BillingFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: src
      Role: !GetAtt FunctionRole.Arn
      Layers:
        - !Ref LayerArn
Outputs:
  FunctionName:
    Value: !Ref BillingFunction
`;

let workspaceRoot: string;
let commands: string[];
let changeSetRequests: CreateChangeSetCommandInput[];
/** Rewrites DescribeStacks outputs, to inject stack statuses. */
let describeStacksFault: ((stack: StackFields) => void) | null;

/** The fields of a DescribeStacks stack that the tests change. */
interface StackFields {
  StackStatus?: string;
  Outputs?: Array<{ OutputKey: string; OutputValue: string }>;
}

/**
 * Creates the real clients and records what the CloudFormation client
 * sends; the calls still reach the emulator. `describeStacksFault`, when
 * set, changes the stacks that DescribeStacks returns.
 */
const recordingClients: AwsClientsFactory = async (options) => {
  const clients = await createAwsClients(options);
  commands = recordCommands(clients.cloudFormation);
  recordChangeSetRequests(clients);
  return clients;
};

function recordChangeSetRequests(clients: AwsClients): void {
  const client = clients.cloudFormation;
  const send = client.send.bind(client);
  client.send = (async (command: {
    constructor: { name: string };
    input: unknown;
  }) => {
    const name = command.constructor.name;
    if (name === 'CreateChangeSetCommand') {
      changeSetRequests.push(command.input as CreateChangeSetCommandInput);
    }
    const output = (await send(command as never)) as {
      Stacks?: StackFields[];
    };
    if (name === 'DescribeStacksCommand' && describeStacksFault) {
      for (const stack of output.Stacks ?? []) describeStacksFault(stack);
    }
    return output;
  }) as typeof client.send;
}

function context(): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName: 'billing',
    projectsConfigurations: {
      version: 2,
      projects: { billing: { root: PROJECT_ROOT } },
    },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}

function writeProjectFile(relativePath: string, text: string): void {
  const path = join(workspaceRoot, PROJECT_ROOT, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function writeSamConfig(stackName: string, extra = ''): void {
  writeProjectFile(
    'samconfig.toml',
    `version = 0.1\n[default.deploy.parameters]\n` +
      `stack_name = "${stackName}"\ns3_bucket = "${BUCKET}"\n${extra}`,
  );
}

function readResult(): DeployResult {
  const path = join(workspaceRoot, 'dist', PROJECT_ROOT, 'deploy-result.json');
  return JSON.parse(readFileSync(path, 'utf8')) as DeployResult;
}

function errors(): string {
  return logs.filter((line) => line.startsWith('error:')).join('\n');
}

function deploy(
  options: DeployExecutorSchema = {},
  prompt: ConfirmPrompt = async () => {
    throw new Error('the deploy asked a question it should not ask');
  },
) {
  return deployExecutor(options, context(), recordingClients, prompt);
}

async function publishLayerVersion(text: string): Promise<string> {
  const zip = new JSZip();
  zip.file('python/greeting.py', text);
  const output = await new LambdaClient({}).send(
    new PublishLayerVersionCommand({
      LayerName: LAYER_NAME,
      Content: { ZipFile: await zip.generateAsync({ type: 'nodebuffer' }) },
    }),
  );
  const arn = String(output.LayerVersionArn);
  await new SSMClient({}).send(
    new PutParameterCommand({
      Name: LAYER_PARAMETER,
      Value: arn,
      Type: 'String',
      Overwrite: true,
    }),
  );
  return arn;
}

/**
 * Creates an SNS topic in the emulator, which checks that notification
 * topics exist. No SNS SDK client is installed, so this sends SNS's query
 * API by hand. The emulator routes it by the service in the credential
 * scope and does not check the signature.
 */
async function createTopic(name: string): Promise<string> {
  const response = await fetch(String(process.env.AWS_ENDPOINT_URL), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/' +
        'aws4_request, SignedHeaders=host, Signature=unchecked',
    },
    body: `Action=CreateTopic&Name=${name}&Version=2010-03-31`,
  });
  const text = await response.text();
  const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(text)?.[1];
  if (!response.ok || !arn) {
    throw new Error(`CreateTopic ${name} failed: ${text}`);
  }
  return arn;
}

async function stackStatus(stackName: string): Promise<string | undefined> {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  return output.Stacks?.[0]?.StackStatus;
}

async function changeSetCount(stackName: string): Promise<number> {
  const output = await new CloudFormationClient({}).send(
    new ListChangeSetsCommand({ StackName: stackName }),
  );
  // moto 5.2.1 lists the change sets of every stack here.
  const summaries = output.Summaries ?? [];
  return summaries.filter((item) => item.StackName === stackName).length;
}

beforeAll(async () => {
  await new S3Client({ forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );
  await publishLayerVersion('GREETING = "v1"\n');
});

beforeEach(() => {
  workspaceRoot = mkdtempSync(join(tmpdir(), 'deploy-review-spec-'));
  commands = [];
  changeSetRequests = [];
  describeStacksFault = null;
  writeProjectFile('template.yaml', TEMPLATE);
  writeProjectFile(
    'src/app.py',
    'def handler(event, context):\n    return 1\n',
  );
});

afterEach(() => {
  rmSync(workspaceRoot, { recursive: true, force: true });
});

describe('deploy executor: settings', () => {
  it('samconfig.yaml with configEnv', async () => {
    writeProjectFile(
      'samconfig.yaml',
      'version: 0.1\nprod:\n  deploy:\n    parameters:\n' +
        '      stack_name: billing-prod\n' +
        `      s3_bucket: ${BUCKET}\n`,
    );

    const output = await deploy({
      configEnv: 'prod',
      noExecuteChangeset: true,
    });

    expect(output.success).toBe(true);
    expect(readResult().stackName).toBe('billing-prod');
  });

  it('configFile names another file', async () => {
    writeProjectFile(
      'config/deploy.toml',
      'version = 0.1\n[default.deploy.parameters]\n' +
        `stack_name = "billing-config-file"\ns3_bucket = "${BUCKET}"\n`,
    );

    const output = await deploy({
      configFile: `${PROJECT_ROOT}/config/deploy.toml`,
      noExecuteChangeset: true,
    });

    expect(output.success).toBe(true);
    expect(readResult().stackName).toBe('billing-config-file');
  });

  it('sends tags, role and notifications', async () => {
    const topic = await createTopic('billing-events');
    writeSamConfig(
      'billing-request',
      'tags = "team=billing stage=dev"\n' +
        'role_arn = "arn:aws:iam::123456789012:role/cfn-from-file"\n' +
        `notification_arns = "${topic}"\n`,
    );

    const output = await deploy({
      tags: { stage: 'prod' },
      roleArn: 'arn:aws:iam::123456789012:role/cfn-deploy',
      noExecuteChangeset: true,
    });

    // The emulator checks that the topic exists but ignores the role and
    // publishes nothing, so the request sent is checked. Real
    // CloudFormation would act as the role and publish each stack event to
    // the topic.
    expect(errors()).toBe('');
    expect(output.success).toBe(true);
    const [request] = changeSetRequests;
    expect(request.Tags).toEqual([
      { Key: 'team', Value: 'billing' },
      { Key: 'stage', Value: 'prod' },
    ]);
    expect(request.RoleARN).toBe('arn:aws:iam::123456789012:role/cfn-deploy');
    expect(request.NotificationARNs).toEqual([topic]);
  });

  it('SAM transform adds CAPABILITY_AUTO_EXPAND', async () => {
    writeSamConfig('billing-sam', 'capabilities = "CAPABILITY_IAM"\n');
    writeProjectFile(
      'template.yaml',
      TEMPLATE.replace(
        'Parameters:',
        'Transform: AWS::Serverless-2016-10-31\nParameters:',
      ),
    );

    const output = await deploy({ noExecuteChangeset: true });

    // The emulator does not run the SAM transform; real CloudFormation
    // rejects a transformed template without CAPABILITY_AUTO_EXPAND.
    expect(output.success).toBe(true);
    expect(changeSetRequests[0].Capabilities).toEqual([
      'CAPABILITY_IAM',
      'CAPABILITY_AUTO_EXPAND',
    ]);
  });
});

describe('deploy executor: checks before the change set', () => {
  it('missing capability fails early', async () => {
    writeSamConfig('billing-capability');

    const output = await deploy({ capabilities: [] });

    expect(output.success).toBe(false);
    expect(errors()).toContain(
      'stack billing-capability requires CAPABILITY_IAM for FunctionRole',
    );
    expect(commands).not.toContain('CreateChangeSetCommand');
  });

  it('capability rejected by CloudFormation', async () => {
    writeSamConfig('billing-rejected');
    const reason = 'Requires capabilities : [CAPABILITY_IAM]';
    const clients: AwsClientsFactory = async (options) => {
      const created = await recordingClients(options);
      // Fault injected: moto 5.2.1 never checks capabilities, so
      // CreateChangeSet rejects the way real CloudFormation does for the
      // IAM role that the SAM transform adds to a function without `Role`.
      const send = created.cloudFormation.send.bind(created.cloudFormation);
      created.cloudFormation.send = (async (command: object) => {
        if (command.constructor.name !== 'CreateChangeSetCommand') {
          return send(command as never);
        }
        throw Object.assign(new Error(reason), {
          name: 'InsufficientCapabilitiesException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }) as never;
      return created;
    };

    const output = await deployExecutor({}, context(), clients);

    expect(output.success).toBe(false);
    expect(errors()).toContain(
      `change set of stack billing-rejected was rejected: ${reason}; add ` +
        'the capabilities named to the `capabilities` option',
    );
  });

  it('bad parameter value fails early', async () => {
    writeSamConfig('billing-parameter');
    writeProjectFile(
      'template.yaml',
      TEMPLATE.replace(
        'Parameters:',
        'Parameters:\n  Stage:\n    Type: String\n' +
          '    AllowedValues: [dev, prod]',
      ),
    );

    const output = await deploy({ parameterOverrides: { Stage: 'qa' } });

    expect(output.success).toBe(false);
    expect(errors()).toContain(
      'invalid parameters for stack billing-parameter: Stage "qa" is not ' +
        'one of dev, prod',
    );
    expect(commands).not.toContain('CreateChangeSetCommand');
  });
});

describe('deploy executor: review', () => {
  it('shows SSM values before and after', async () => {
    writeSamConfig('billing-versions');
    const v1 = await publishLayerVersion('GREETING = "v1"\n');
    expect((await deploy()).success).toBe(true);
    const v2 = await publishLayerVersion('GREETING = "v2"\n');

    const output = await deploy();

    expect(output.success).toBe(true);
    const version = v2.split(':').pop();
    expect(logs).toContain(
      `info:   LayerArn (${LAYER_PARAMETER}): ${v1} -> ` +
        `:${LAYER_NAME}:${version}`,
    );
    expect(readResult().parameterChanges).toEqual([
      { name: 'LayerArn', parameter: LAYER_PARAMETER, before: v1, after: v2 },
    ]);
  });

  it('prints the change table', async () => {
    writeSamConfig('billing-table');

    await deploy({ noExecuteChangeset: true });

    const lines = logs.join('\n');
    expect(lines).toMatch(/Action\s+Logical ID\s+Type\s+Replacement/);
    expect(lines).toMatch(/Add\s+BillingFunction\s+AWS::Lambda::Function/);
  });

  it('prints the outputs when done', async () => {
    writeSamConfig('billing-outputs');
    // Filled in: moto 5.2.1 fills Outputs only after CreateStack or
    // UpdateStack, never after a change set, so DescribeStacks of the
    // finished stack is given the output real CloudFormation would return.
    describeStacksFault = (stack) => {
      if (stack.StackStatus === 'CREATE_COMPLETE') {
        stack.Outputs = [{ OutputKey: 'FunctionName', OutputValue: 'fn-1' }];
      }
    };

    const output = await deploy();

    expect(output.success).toBe(true);
    expect(logs).toContain('info: output FunctionName = fn-1');
    expect(readResult().outputs).toEqual({ FunctionName: 'fn-1' });
  });

  it('declined change set is deleted', async () => {
    writeSamConfig('billing-declined', 'confirm_changeset = true\n');
    const questions: string[] = [];

    const output = await deploy({}, async (question) => {
      questions.push(question);
      return false;
    });

    expect(output.success).toBe(false);
    expect(questions).toEqual(['Deploy this change set to billing-declined?']);
    expect(commands).toContain('DeleteChangeSetCommand');
    expect(commands).not.toContain('ExecuteChangeSetCommand');
    expect(await changeSetCount('billing-declined')).toBe(0);
  });

  it('confirmation without a terminal fails', async () => {
    writeSamConfig('billing-ci', 'confirm_changeset = true\n');

    const output = await deploy({}, async () => undefined);

    expect(output.success).toBe(false);
    expect(errors()).toContain('there is no terminal to ask on');
    expect(commands).not.toContain('ExecuteChangeSetCommand');
    expect(await changeSetCount('billing-ci')).toBe(1);
  });

  it('autoApprove deploys without asking', async () => {
    writeSamConfig('billing-approved', 'confirm_changeset = true\n');

    const output = await deploy({ autoApprove: true });

    expect(output.success).toBe(true);
    expect(await stackStatus('billing-approved')).toBe('CREATE_COMPLETE');
  });

  it('confirmed change set is executed', async () => {
    writeSamConfig('billing-confirmed');

    const output = await deploy({ confirmChangeset: true }, async () => true);

    expect(output.success).toBe(true);
    expect(await stackStatus('billing-confirmed')).toBe('CREATE_COMPLETE');
  });
});

describe('deploy executor: stack states', () => {
  it('REVIEW_IN_PROGRESS stack is created', async () => {
    writeSamConfig('billing-review');
    await deploy({ noExecuteChangeset: true });
    expect(await stackStatus('billing-review')).toBe('REVIEW_IN_PROGRESS');

    const output = await deploy();

    expect(output.success).toBe(true);
    expect(await stackStatus('billing-review')).toBe('CREATE_COMPLETE');
    expect(readResult().changeSetType).toBe('CREATE');
    expect(logs.join('\n')).toContain(
      'stack billing-review is REVIEW_IN_PROGRESS',
    );
  });

  it('ROLLBACK_COMPLETE says to delete', async () => {
    writeSamConfig('billing-rolled-back');
    expect((await deploy()).success).toBe(true);
    // Fault injected: moto 5.2.1 never rolls a failed create back, so
    // DescribeStacks reports ROLLBACK_COMPLETE as real CloudFormation does.
    describeStacksFault = (stack) => {
      stack.StackStatus = 'ROLLBACK_COMPLETE';
    };

    const output = await deploy();

    expect(output.success).toBe(false);
    expect(errors()).toContain('delete-stack --stack-name billing-rolled-back');
    expect(errors()).toContain('`replaceFailedStack` option');
    expect(commands).not.toContain('CreateChangeSetCommand');
    expect(commands).not.toContain('DeleteStackCommand');
  });

  it('replaceFailedStack deletes and creates', async () => {
    writeSamConfig('billing-replaced');
    expect((await deploy()).success).toBe(true);
    const stackId = await stackIdOf('billing-replaced');
    // Fault injected as above, for the first DescribeStacks only.
    describeStacksFault = (stack) => {
      stack.StackStatus = 'ROLLBACK_COMPLETE';
      describeStacksFault = null;
    };

    const output = await deploy({ replaceFailedStack: true });

    expect(output.success).toBe(true);
    expect(commands).toContain('DeleteStackCommand');
    expect(readResult().changeSetType).toBe('CREATE');
    expect(await stackStatus('billing-replaced')).toBe('CREATE_COMPLETE');
    expect(await stackIdOf('billing-replaced')).not.toBe(stackId);
  });
});

describe('deploy executor: nested templates', () => {
  const PARENT = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/child.yaml
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionUri: api/openapi.yaml
`;

  it('packages nested stack and API definition', async () => {
    writeSamConfig('billing-nested');
    writeProjectFile('template.yaml', PARENT);
    writeProjectFile(
      'nested/child.yaml',
      TEMPLATE.replace('Code: src', 'Code: ../src'),
    );
    writeProjectFile('api/openapi.yaml', 'openapi: "3.0.1"\npaths: {}\n');

    const output = await deploy();

    expect(output.success).toBe(true);
    const parent = await templateOf('billing-nested');
    expect(parent).toMatch(
      new RegExp(
        `TemplateURL: https://s3\\.us-east-1\\.amazonaws\\.com/${BUCKET}/` +
          '[0-9a-f]{64}\\.template',
      ),
    );
    expect(parent).toMatch(
      new RegExp(`DefinitionUri: s3://${BUCKET}/[0-9a-f]{64}\\.yaml`),
    );
    const child = await nestedStackName('billing-nested');
    expect(await stackStatus(child)).toBe('CREATE_COMPLETE');
    expect(await templateOf(child)).toMatch(/S3Key: [0-9a-f]{64}\.zip/);
    expect(
      readFileSync(join(workspaceRoot, PROJECT_ROOT, 'template.yaml'), 'utf8'),
    ).toBe(PARENT);
  });

  it('nested IAM role needs a capability', async () => {
    writeSamConfig('billing-nested-iam');
    writeProjectFile('template.yaml', PARENT);
    writeProjectFile(
      'nested/child.yaml',
      TEMPLATE.replace('Code: src', 'Code: ../src'),
    );
    writeProjectFile('api/openapi.yaml', 'openapi: "3.0.1"\n');

    const output = await deploy({ capabilities: [] });

    expect(output.success).toBe(false);
    expect(errors()).toContain(
      'requires CAPABILITY_IAM for FunctionRole (AWS::IAM::Role) in ' +
        'nested/child.yaml',
    );
    expect(commands).not.toContain('CreateChangeSetCommand');
  });

  it('nested code outside the project fails', async () => {
    writeSamConfig('billing-nested-outside');
    writeProjectFile('template.yaml', PARENT);
    writeProjectFile(
      'nested/child.yaml',
      TEMPLATE.replace('Code: src', 'Code: ../../other'),
    );
    writeProjectFile('api/openapi.yaml', 'openapi: "3.0.1"\n');

    const output = await deploy();

    expect(output.success).toBe(false);
    expect(errors()).toContain(
      'nested/child.yaml: BillingFunction.Code "../../other" is outside',
    );
  });
});

describe('deploy executor: layer versions', () => {
  const LAYER_ROOT = 'apps/greeting-layer';
  const PLACEHOLDER = 'GREETING_LAYER_PLACEHOLDER';
  const ARN_PREFIX =
    'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:' + LAYER_NAME;
  const templateWith = (version: string) =>
    TEMPLATE.replace(/Parameters:\n(.*\n){3}/, '').replace(
      '!Ref LayerArn',
      `!Sub "${ARN_PREFIX}:${version}"`,
    );
  let version: string;

  function layerContext(): ExecutorContext {
    return {
      ...context(),
      projectsConfigurations: {
        version: 2,
        projects: {
          billing: { root: PROJECT_ROOT },
          'greeting-layer': { root: LAYER_ROOT },
        },
      },
    };
  }

  beforeAll(async () => {
    version = String((await publishLayerVersion('V = 3\n')).split(':').pop());
  });

  beforeEach(() => {
    const path = join(workspaceRoot, LAYER_ROOT, 'layer.json');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      JSON.stringify({
        layerName: LAYER_NAME,
        ssmParameter: LAYER_PARAMETER,
        placeholder: PLACEHOLDER,
      }),
    );
  });

  it('placeholder gets the current version', async () => {
    writeSamConfig('billing-placeholder');
    writeProjectFile('template.yaml', templateWith(PLACEHOLDER));

    const output = await deployExecutor({}, layerContext(), recordingClients);

    // The emulator ignores Layers, so the template sent is checked; real
    // CloudFormation would attach that layer version to the function.
    expect(errors()).toBe('');
    expect(output.success).toBe(true);
    const sent = await templateOf('billing-placeholder');
    expect(sent).toContain(`!Sub "${ARN_PREFIX}:${version}"`);
    expect(sent).not.toContain(PLACEHOLDER);
    expect(logs).toContain(
      `info: layer ${LAYER_NAME}: current version ${version} (from ssm)`,
    );
    expect(logs.join('\n')).toContain(
      `layer ${LAYER_NAME} version ${PLACEHOLDER} -> ${version} in the ` +
        'template sent',
    );
    expect(
      readFileSync(join(workspaceRoot, PROJECT_ROOT, 'template.yaml'), 'utf8'),
    ).toBe(templateWith(PLACEHOLDER));
  });

  it('written number is kept by default', async () => {
    writeSamConfig('billing-pinned');
    writeProjectFile('template.yaml', templateWith('1'));

    await deployExecutor(
      { noExecuteChangeset: true },
      layerContext(),
      recordingClients,
    );

    expect(changeSetRequests[0].TemplateBody).toContain(`${ARN_PREFIX}:1"`);
  });

  it('syncLayerVersions replaces numbers too', async () => {
    writeSamConfig('billing-number');
    writeProjectFile('template.yaml', templateWith('1'));

    await deployExecutor(
      { noExecuteChangeset: true, syncLayerVersions: true },
      layerContext(),
      recordingClients,
    );

    expect(changeSetRequests[0].TemplateBody).toContain(
      `${ARN_PREFIX}:${version}"`,
    );
  });

  it('syncLayerVersions false warns', async () => {
    writeSamConfig('billing-unsynced');
    writeProjectFile('template.yaml', templateWith(PLACEHOLDER));

    await deployExecutor(
      { noExecuteChangeset: true, syncLayerVersions: false },
      layerContext(),
      recordingClients,
    );

    expect(changeSetRequests[0].TemplateBody).toContain(PLACEHOLDER);
    const warning = logs.find((line) => line.startsWith('warn:'));
    expect(warning).toContain(`warn: ${PROJECT_ROOT}/template.yaml:`);
    expect(warning).toContain(
      'keeps its placeholder version because `syncLayerVersions` is false',
    );
  });
});

describe('deploy executor: parallel stacks', () => {
  it('two stacks deploy at once', async () => {
    const other = 'apps/invoices';
    const write = (root: string, name: string, text: string) => {
      const path = join(workspaceRoot, root, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    };
    for (const [root, stack] of [
      [PROJECT_ROOT, 'billing-parallel'],
      [other, 'invoices-parallel'],
    ]) {
      write(root, 'template.yaml', TEMPLATE);
      write(root, 'src/app.py', `NAME = "${stack}"\n`);
      write(
        root,
        'samconfig.toml',
        `version = 0.1\n[default.deploy.parameters]\n` +
          `stack_name = "${stack}"\ns3_bucket = "${BUCKET}"\n`,
      );
    }
    const contextOf = (projectName: string): ExecutorContext => ({
      ...context(),
      projectName,
      projectsConfigurations: {
        version: 2,
        projects: {
          billing: { root: PROJECT_ROOT },
          invoices: { root: other },
        },
      },
    });

    const outputs = await Promise.all([
      deployExecutor({}, contextOf('billing'), createAwsClients),
      deployExecutor({}, contextOf('invoices'), createAwsClients),
    ]);

    expect(outputs).toEqual([{ success: true }, { success: true }]);
    const resultOf = (root: string) =>
      JSON.parse(
        readFileSync(
          join(workspaceRoot, 'dist', root, 'deploy-result.json'),
          'utf8',
        ),
      ) as DeployResult;
    expect(resultOf(PROJECT_ROOT).stackName).toBe('billing-parallel');
    expect(resultOf(other).stackName).toBe('invoices-parallel');
    expect(await stackStatus('billing-parallel')).toBe('CREATE_COMPLETE');
    expect(await stackStatus('invoices-parallel')).toBe('CREATE_COMPLETE');
  });
});

async function stackIdOf(stackName: string): Promise<string | undefined> {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  return output.Stacks?.[0]?.StackId;
}

async function templateOf(stackName: string): Promise<string> {
  const output = await new CloudFormationClient({}).send(
    new GetTemplateCommand({ StackName: stackName }),
  );
  return String(output.TemplateBody);
}

/** Name of the stack that the parent's `Child` resource created. */
async function nestedStackName(parent: string): Promise<string> {
  const output = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({}),
  );
  const child = (output.Stacks ?? []).find((stack) =>
    String(stack.StackName).startsWith(`${parent}-Child-`),
  );
  return String(child?.StackName);
}
