#!/usr/bin/env -S node --initial-old-space-size=64 --max-semi-space-size=4 --expose-gc
import { main } from '../dist/src/cli/main.js';

await main(process.argv);
