import { createHash } from 'node:crypto';
import type { AwsClients } from './clients';
import { TAG } from './stageTemplate';
import { sleep } from './wait';

/** A DNS record ACM reads to validate that the requester controls a domain. */
export interface ValidationRecord {
  domain: string;
  name: string;
  type: string;
  value: string;
}

export interface CertificateState {
  arn: string;
  /** ACM's status: PENDING_VALIDATION, ISSUED, FAILED, VALIDATION_TIMED_OUT, EXPIRED, REVOKED, INACTIVE. */
  status: string;
  domains: string[];
  records: ValidationRecord[];
  /** ACM's reason when the status is FAILED. */
  failure?: string;
}

/** The names a stack's certificate covers: every stage at <stage>.<domain>, and the domain itself. */
export function certificateNames(domain: string): { primary: string; alternatives: string[] } {
  return { primary: `*.${domain}`, alternatives: [domain] };
}

/** A certificate's status, names and the CNAME records that validate it (as far as ACM has made them). */
export async function describeCertificate(clients: AwsClients, arn: string, signal?: AbortSignal): Promise<CertificateState> {
  const { DescribeCertificateCommand } = await import('@aws-sdk/client-acm');
  const acm = await clients.acm();
  const out = await clients.call(`Read ACM certificate ${arn}`, signal, o => acm.send(new DescribeCertificateCommand({ CertificateArn: arn }), o));
  const c = out.Certificate ?? {};
  const records: ValidationRecord[] = [];
  for (const v of c.DomainValidationOptions ?? []) {
    const r = v.ResourceRecord;
    // A wildcard and its apex share one record: list it once.
    if (r?.Name && r.Value && !records.some(x => x.name === r.Name)) records.push({ domain: v.DomainName ?? '', name: r.Name, type: r.Type ?? 'CNAME', value: r.Value });
  }
  return { arn, status: c.Status ?? 'UNKNOWN', domains: c.SubjectAlternativeNames ?? (c.DomainName ? [c.DomainName] : []), records, failure: c.FailureReason };
}

/** A certificate ACM has issued or is validating for `*.<domain>`, or undefined. */
export async function findCertificate(clients: AwsClients, domain: string, signal?: AbortSignal): Promise<string | undefined> {
  const { ListCertificatesCommand } = await import('@aws-sdk/client-acm');
  const acm = await clients.acm();
  const primary = certificateNames(domain).primary;
  let token: string | undefined;
  do {
    const page = await clients.call('List ACM certificates', signal, o => acm.send(new ListCertificatesCommand({ CertificateStatuses: ['ISSUED', 'PENDING_VALIDATION'], NextToken: token }), o));
    const arn = page.CertificateSummaryList?.find(c => c.DomainName === primary && c.CertificateArn)?.CertificateArn;
    if (arn) return arn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

/**
 * The stack's certificate for `domain`: an existing one that ACM has issued or is validating for
 * `*.<domain>`, else a new DNS-validated request (tagged with the stack). Then waits, bounded, for
 * ACM to publish the validation records, which it does some seconds after the request.
 */
export async function ensureCertificate(
  clients: AwsClients,
  stack: string,
  domain: string,
  work: { signal?: AbortSignal; log?: (line: string) => void; recordWaitMs?: number } = {},
): Promise<CertificateState & { requested: boolean }> {
  const acm = await import('@aws-sdk/client-acm');
  const client = await clients.acm();
  const names = certificateNames(domain);
  let arn = await findCertificate(clients, domain, work.signal);
  const requested = !arn;
  if (!arn) {
    const out = await clients.call(`Request an ACM certificate for ${names.primary}`, work.signal, o =>
      client.send(
        new acm.RequestCertificateCommand({
          DomainName: names.primary,
          SubjectAlternativeNames: names.alternatives,
          ValidationMethod: 'DNS',
          // Retries within the hour return the same certificate instead of a second one.
          IdempotencyToken: createHash('sha256').update(`${stack}\n${domain}`).digest('hex').slice(0, 32),
          Tags: [{ Key: TAG.stack, Value: stack }],
        }),
        o,
      ),
    );
    arn = out.CertificateArn!;
    work.log?.(`${stack}: requested ACM certificate ${arn} for ${[names.primary, ...names.alternatives].join(', ')} (DNS validation)`);
  }
  const deadline = Date.now() + (work.recordWaitMs ?? 60_000);
  let delay = 1_000;
  for (;;) {
    const state = await describeCertificate(clients, arn, work.signal);
    if (state.status !== 'PENDING_VALIDATION' || state.records.length > 0 || Date.now() >= deadline) return { ...state, requested };
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), work.signal);
    delay = Math.min(delay * 2, 10_000);
  }
}

/** The lines that tell a person which DNS records to create. */
export function formatValidationRecords(state: Pick<CertificateState, 'records'>): string[] {
  return state.records.map(r => `  ${r.name}  ${r.type}  ${r.value}`);
}
