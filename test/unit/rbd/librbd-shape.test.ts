/**
 * The `rbd` CLI is written against cli/rbd/librbd-api.ts; src/rbd/api/librbd.ts
 * implements it. This file does not compile when the two drift apart (tsc runs
 * before the tests), and checks that the connector is the one the CLI loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LibrbdConnector } from '../../../src/cli/rbd/librbd-api.js';
import { librbdConnector } from '../../../src/rbd/api/librbd.js';
import * as rbdIndex from '../../../src/rbd/index.js';

const connector: LibrbdConnector = librbdConnector;

test('librbd connector: src/rbd exports the implementation of the CLI interface', () => {
  assert.equal(rbdIndex.librbdConnector, connector);
  assert.equal(typeof connector.connect, 'function');
});
