/**
 * A Query-protocol call (EC2, ELBv2) straight to moto, for services whose SDK clients the project
 * does not ship: the tests read what CloudFormation created there (moto does not check signatures;
 * the credential scope names the region).
 */
export async function motoQuery(endpoint: string, service: 'ec2' | 'elasticloadbalancing', params: Record<string, string>): Promise<string> {
  const version = service === 'ec2' ? '2016-11-15' : '2015-12-01';
  const body = new URLSearchParams({ ...params, Version: version }).toString();
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service} ${params.Action}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** Every text of <tag>…</tag> in an XML answer. */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map(m => m[1]);
}

/**
 * moto 5.2.1 has no CloudFormation delete for AWS::EC2::RouteTable, SubnetRouteTableAssociation or
 * InternetGateway, so DeleteStack of a stack that created a VPC fails "has dependencies". Real
 * CloudFormation deletes them; this does it by hand (EC2 API) before a test deletes such a stack.
 */
export async function releaseVpcForMoto(endpoint: string, vpcId: string): Promise<void> {
  const tables = await motoQuery(endpoint, 'ec2', { Action: 'DescribeRouteTables', 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': vpcId });
  for (const assoc of new Set(xmlValues(tables, 'routeTableAssociationId'))) {
    // The main table's association cannot be removed (and need not be).
    await motoQuery(endpoint, 'ec2', { Action: 'DisassociateRouteTable', AssociationId: assoc }).catch(() => undefined);
  }
  const mainIds = new Set([...tables.matchAll(/<routeTableId>([^<]*)<\/routeTableId>[\s\S]*?<main>true<\/main>/g)].map(m => m[1]));
  for (const rt of new Set(xmlValues(tables, 'routeTableId'))) {
    if (!mainIds.has(rt)) await motoQuery(endpoint, 'ec2', { Action: 'DeleteRouteTable', RouteTableId: rt }).catch(() => undefined);
  }
  const gateways = await motoQuery(endpoint, 'ec2', { Action: 'DescribeInternetGateways', 'Filter.1.Name': 'attachment.vpc-id', 'Filter.1.Value.1': vpcId });
  for (const igw of new Set(xmlValues(gateways, 'internetGatewayId'))) {
    await motoQuery(endpoint, 'ec2', { Action: 'DetachInternetGateway', InternetGatewayId: igw, VpcId: vpcId });
    await motoQuery(endpoint, 'ec2', { Action: 'DeleteInternetGateway', InternetGatewayId: igw });
  }
}
