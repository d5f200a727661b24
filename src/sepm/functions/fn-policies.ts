import { AppError } from '../../shared/errors.ts';
import type { SepmClient } from '../client/client.ts';
import { sepmErrorOf } from '../client/http-errors.ts';
import type { GetExceptionsPolicyInput, GetFirewallPolicyInput, GetPolicySummaryInput } from './schemas.ts';
import type { SepmPolicy } from './types-policies.ts';
import type { GetPolicyOutput, PolicySummaryPage, SepResult } from './types.ts';

/**
 * Get Policy Summary, Get Firewall Policy, Get Exceptions Policy (fn_sep 1.1.0; docs/reference/sep-functions.md
 * §3 Function rules, docs/reference/sepm-rest-api.md §6 Policies). fn_sep returned SEPM's body as it came; so do
 * we, except that a policy id SEPM does not know is an outcome (`exists: false`), not a failure.
 */

const seg = encodeURIComponent;

export async function getPolicySummary(
  client: SepmClient,
  input: GetPolicySummaryInput,
): Promise<SepResult<PolicySummaryPage>> {
  // The summary is one answer (its `size` echoes the item count), so there is nothing to page through.
  const path = input.policyType ? `/policies/summary/${seg(input.policyType)}` : '/policies/summary';
  const page = await client.request<PolicySummaryPage>('GET', path, { query: { domainId: input.domainId } });
  return { success: true, content: { ...page, content: Array.isArray(page?.content) ? page.content : [] } };
}

async function getPolicy(client: SepmClient, kind: 'firewall' | 'exceptions', id: string) {
  try {
    const policy = await client.request<SepmPolicy>('GET', `/policies/${kind}/${seg(id)}`);
    return { success: true, content: { exists: true, policy } } satisfies SepResult<GetPolicyOutput>;
  } catch (err) {
    if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 410)) throw err;
    const error = sepmErrorOf(err) ?? {};
    return {
      success: true,
      reason: `${kind} policy ${id} does not exist`,
      content: { exists: false, error },
    } satisfies SepResult<GetPolicyOutput>;
  }
}

export const getFirewallPolicy = (client: SepmClient, input: GetFirewallPolicyInput) =>
  getPolicy(client, 'firewall', input.policyId);

export const getExceptionsPolicy = (client: SepmClient, input: GetExceptionsPolicyInput) =>
  getPolicy(client, 'exceptions', input.policyId);
