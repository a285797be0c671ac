#!/usr/bin/env -S node --initial-old-space-size=64
import { main } from '../dist/src/cli/main.js';

await main(process.argv);
