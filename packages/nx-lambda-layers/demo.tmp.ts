import { startEmulator } from '../../tools/emulator/emulator';
import deployExecutor from './src/executors/deploy/executor';
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
(async () => {
  const emu = await startEmulator();
  Object.assign(process.env, emu.env);
  try {
    const ctx: any = { root: '/tmp/dw', cwd: '/tmp/dw', isVerbose: false, projectName: 'orders', projectsConfigurations: { version: 2, projects: { orders: { root: 'apps/orders' } } } };
    console.log('--- missing parameter');
    console.log(await deployExecutor({}, ctx));
    await new SSMClient({}).send(new PutParameterCommand({ Name: '/lambda-layers/nxll-demo/arn', Value: 'arn:aws:lambda:us-east-1:123456789012:layer:nxll-demo:1', Type: 'String', Overwrite: true }));
    console.log('--- create');
    console.log(await deployExecutor({}, ctx));
    await new SSMClient({}).send(new PutParameterCommand({ Name: '/lambda-layers/nxll-demo/arn', Value: 'arn:aws:lambda:us-east-1:123456789012:layer:nxll-demo:2', Type: 'String', Overwrite: true }));
    console.log('--- update');
    console.log(await deployExecutor({}, ctx));
    console.log('--- rerun');
    console.log(await deployExecutor({}, ctx));
  } finally { await emu.stop(); }
})();
