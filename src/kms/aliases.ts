import { kmsError } from './errors.js';

/** AWS alias-name rules: `alias/` prefix, allowed characters, and `alias/aws/` reserved for AWS. */
export function checkAliasName(name: string): void {
  if (!name.startsWith('alias/')) {
    throw kmsError('validation', 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html');
  }
  if (name.startsWith('alias/aws/')) {
    throw kmsError('not-authorized', 'The alias prefix alias/aws/ is reserved for AWS managed keys.');
  }
  if (name === 'alias/' || !/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) {
    throw kmsError('invalid-alias-name', `Alias name ${name} is not valid: use alias/ followed by letters, digits, /, _ and -.`);
  }
}
