#!/usr/bin/env node
// The AWS SDK warns on every run under Node 20; streamproc supports Node 20, so keep stderr clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
