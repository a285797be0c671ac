import type { Principal } from '../../identity/principal.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface XmlReply {
  status: number;
  body: string;
  operation: string;
  errorType?: string;
}

export function stsError(status: number, code: string, message: string, requestId: string, operation = 'unknown'): XmlReply {
  return {
    status,
    operation,
    errorType: code,
    body: `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** STS over the Query protocol: only GetCallerIdentity, so that `aws sts get-caller-identity` works. */
export function handleSts(principal: Principal, body: Buffer, requestId: string): XmlReply {
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action') ?? '';
  if (action !== 'GetCallerIdentity') {
    return stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version') ?? ''}`, requestId, action);
  }
  return {
    status: 200,
    operation: 'GetCallerIdentity',
    body:
      `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult>` +
      `<Arn>${xmlEscape(principal.arn)}</Arn><UserId>${principal.principalId}</UserId><Account>${principal.accountId}</Account>` +
      `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  };
}
