#!/usr/bin/env -S node --no-memory-reducer
import { main } from '../dist/src/cli/main.js';

await main(process.argv);
