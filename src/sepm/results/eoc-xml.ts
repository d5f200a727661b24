/**
 * The EOC (Evidence of Compromise) request document for POST /command-queue/eoc, laid out as fn_sep 1.2.0 sends
 * it (docs/reference/sepm-rest-api.md §7 EOC scan document). Every value is XML-escaped: paths and descriptions
 * come from mail and analysts.
 */

export interface EocRequest {
  scanType: 'QUICK_SCAN' | 'FULL_SCAN';
  description: string;
  filePath?: string | undefined;
  sha256?: string | undefined;
  sha1?: string | undefined;
  md5?: string | undefined;
  remediate?: boolean | undefined;
  creator?: string | undefined;
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** One File per hash slot in the order SHA256, SHA1, MD5; empty slots keep an empty value (IOC-less scan). */
export function buildEocXml(req: EocRequest): string {
  const slots = [
    ['SHA256', req.sha256],
    ['SHA1', req.sha1],
    ['MD5', req.md5],
  ] as const;
  const files = slots
    .map(([name, value]) => {
      const fileName = escapeXml(req.filePath ?? name);
      return (
        `                <File name="${fileName}" action="create">\n` +
        `                    <Hash name="${name}" value="${escapeXml(value ?? '')}" />\n` +
        `                </File>`
      );
    })
    .join('\n');
  const remediation = req.remediate ? '    <RemediationAction>REMEDIATE</RemediationAction>\n' : '';
  return (
    `<EOC creator="${escapeXml(req.creator ?? 'SOAR')}" version="" id="">\n` +
    `    <DataSource name="" id="" version="" />\n` +
    `    <ScanType>${req.scanType}</ScanType>\n` +
    remediation +
    `    <Threat category="" type="" severity="" time="">\n` +
    `        <Description>${escapeXml(req.description)}</Description>\n` +
    `        <Attacker></Attacker>\n` +
    `    </Threat>\n` +
    `    <Activity>\n` +
    `        <OS id="1" name="" version="" patch="">\n` +
    `            <Process></Process>\n` +
    `            <Files>\n${files}\n            </Files>\n` +
    `            <Registry></Registry>\n` +
    `            <Network></Network>\n` +
    `        </OS>\n` +
    `    </Activity>\n` +
    `</EOC>`
  );
}
