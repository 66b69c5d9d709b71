import * as assert from 'node:assert/strict';
import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { checkFoundationTemplate } from '../../../src/aws/contract';
import { deployFoundation, destroyFoundation, ensureFoundation, foundationStackName, renderFoundation } from '../../../src/aws/foundation';
import { describeStack } from '../../../src/aws/cfn/stacks';
import { startMoto, type Moto } from './support/moto';
import { motoQuery, releaseVpcForMoto, xmlValues } from './support/query';
import { stackFromYaml } from './support/stacks';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0d1e2f3a-1111-2222-3333-444455556666';

describe('aws foundation', () => {
  const stack = stackFromYaml(`
stack: shop
stages:
  - name: dev
    provider: aws
  - name: prod
    provider: aws
`);

  it('without a certificate: HTTP only, and the contract holds', () => {
    const r = renderFoundation(stack);
    assert.equal(r.stackName, 'shop-foundation');
    assert.deepEqual(checkFoundationTemplate(r.template, { certificate: false }, r.parameters), []);
  });

  it('with a certificate: HTTPS on 443 and port 80 redirects (contract), the certificate as a parameter', () => {
    const r = renderFoundation(stack, { certificateArn: CERT, domain: 'shop.example.com' });
    assert.equal(r.parameters.CertificateArn, CERT);
    assert.equal(r.parameters.DomainName, 'shop.example.com');
    assert.deepEqual(checkFoundationTemplate(r.template, { certificate: true }, r.parameters), []);
    // The same template without the certificate parameter serves HTTP only: the rule catches it.
    assert.deepEqual(checkFoundationTemplate(r.template, { certificate: true }, { ...r.parameters, CertificateArn: '' }).map(p => p.rule), ['https-listener', 'http-redirects']);
  });

  it('refuses what CloudFormation would: a stage named foundation, a certificate that is not an ACM ARN, a VPC without subnets', () => {
    assert.throws(() => renderFoundation(stackFromYaml('stack: shop\nstages:\n  - name: foundation\n    provider: aws\n')), /stage named "foundation"/);
    assert.throws(() => renderFoundation(stack, { certificateArn: 'my-cert' }), /not an ACM certificate ARN/);
    assert.throws(() => renderFoundation(stack, { vpcId: 'vpc-1234abcd', publicSubnetIds: ['subnet-1'] }), /two or more public and two or more private subnets/);
  });

  describe('on moto', function () {
    this.timeout(120_000);
    let moto: Moto;
    before(async () => {
      moto = await startMoto();
    });
    after(async () => moto?.stop());

    it('creates one VPC with public and private subnets, the cluster, one load balancer with its HTTP listener, the repository; then destroys it', async () => {
      const clients = moto.clients();
      const vpcs = async () => new Set(xmlValues(await motoQuery(moto.endpoint, 'ec2', { Action: 'DescribeVpcs' }), 'vpcId')).size;
      const vpcsBefore = await vpcs();
      const lines: string[] = [];
      const result = await deployFoundation(clients, stack, {}, { log: l => lines.push(l), pollMs: 50 });
      assert.equal(result.outcome, 'created');
      const f = await ensureFoundation(clients, stack);
      assert.equal(f.clusterName, 'shop');
      assert.equal(f.scheme, 'http');
      assert.equal(await vpcs(), vpcsBefore + 1);
      const subnets = new Set(xmlValues(await motoQuery(moto.endpoint, 'ec2', { Action: 'DescribeSubnets', 'Filter.1.Name': 'vpc-id', 'Filter.1.Value.1': f.vpcId }), 'subnetId'));
      assert.equal(subnets.size, 4, 'two public and two private subnets');
      assert.equal(f.publicSubnetIds.split(',').length, 2);
      assert.equal(f.privateSubnetIds.split(',').length, 2);
      const ecs = await clients.ecs();
      assert.ok((await ecs.send(new ListClustersCommand({}))).clusterArns!.some(a => a.endsWith('/shop')));
      const lbs = xmlValues(await motoQuery(moto.endpoint, 'elasticloadbalancing', { Action: 'DescribeLoadBalancers' }), 'LoadBalancerArn');
      assert.equal(lbs.length, 1);
      const listeners = await motoQuery(moto.endpoint, 'elasticloadbalancing', { Action: 'DescribeListeners', LoadBalancerArn: lbs[0] });
      assert.deepEqual(xmlValues(listeners, 'Port'), ['80']);
      assert.deepEqual(xmlValues(listeners, 'ListenerArn'), [f.listenerArn]);
      const ecr = await clients.ecr();
      assert.equal((await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['shop'] }))).repositories!.length, 1);
      // moto ignores the LifecyclePolicy property; the contract test checks the template has one.

      await releaseVpcForMoto(moto.endpoint, f.vpcId);
      assert.equal(await destroyFoundation(clients, stack, { pollMs: 50 }), 'deleted');
      assert.equal(await describeStack(clients, foundationStackName('shop')), undefined);
    });
  });
});
