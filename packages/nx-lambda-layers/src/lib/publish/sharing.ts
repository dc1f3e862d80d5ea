import {
  AddLayerVersionPermissionCommand,
  GetLayerVersionPolicyCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { logger } from '@nx/devkit';
import { isAwsServiceError } from '../aws/errors';
import { sendWrite, type WriteGate } from './calls';

/** Principals allowed to use a layer version: accounts and an organization. */
export interface LayerSharing {
  accounts: string[];
  organizationId?: string;
}

/** One permission statement publish-layer adds. */
interface Grant {
  statementId: string;
  principal: string;
  organizationId?: string;
  label: string;
}

/**
 * Returns the grants for the sharing settings. The statement id depends
 * only on the principal, so a rerun finds the statement it added before.
 */
export function sharingGrants(sharing: LayerSharing): Grant[] {
  const grants: Grant[] = sharing.accounts.map((account) => ({
    statementId: `nx-lambda-layers-account-${account}`,
    principal: account,
    label: `account ${account}`,
  }));
  if (sharing.organizationId) {
    grants.push({
      statementId: `nx-lambda-layers-org-${sharing.organizationId}`,
      principal: '*',
      organizationId: sharing.organizationId,
      label: `organization ${sharing.organizationId}`,
    });
  }
  return grants;
}

/**
 * Adds `lambda:GetLayerVersion` permission for each grant the version's
 * policy lacks. Lambda rejects a duplicate statement id with
 * ResourceConflictException, so existing statements are read first.
 * Returns the labels of the grants added.
 */
export async function shareLayerVersion(
  lambda: LambdaClient,
  layerName: string,
  version: number,
  sharing: LayerSharing,
  gate: WriteGate,
): Promise<string[]> {
  const grants = sharingGrants(sharing);
  if (grants.length === 0) return [];

  const existing = await policyStatementIds(lambda, layerName, version);
  const added: string[] = [];
  for (const grant of grants) {
    if (existing.has(grant.statementId)) {
      logger.info(`version ${version} already shared with ${grant.label}`);
      continue;
    }
    const command = new AddLayerVersionPermissionCommand({
      LayerName: layerName,
      VersionNumber: version,
      StatementId: grant.statementId,
      Action: 'lambda:GetLayerVersion',
      Principal: grant.principal,
      OrganizationId: grant.organizationId,
    });
    await sendWrite(lambda, command, gate);
    logger.info(`version ${version} shared with ${grant.label}`);
    added.push(grant.label);
  }
  return added;
}

/** Statement ids in the version's resource policy; empty when it has none. */
export async function policyStatementIds(
  lambda: LambdaClient,
  layerName: string,
  version: number,
): Promise<Set<string>> {
  let policy: string | undefined;
  try {
    const output = await lambda.send(
      new GetLayerVersionPolicyCommand({
        LayerName: layerName,
        VersionNumber: version,
      }),
    );
    policy = output.Policy;
  } catch (error) {
    if (
      isAwsServiceError(error) &&
      error.name === 'ResourceNotFoundException'
    ) {
      return new Set();
    }
    throw error;
  }
  const statements = (JSON.parse(policy ?? '{}') as { Statement?: unknown })
    .Statement;
  const list = Array.isArray(statements) ? statements : [];
  return new Set(list.map((item) => String((item as { Sid?: unknown }).Sid)));
}
