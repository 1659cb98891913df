// The workspace's views, in tab order. Each module exports a factory: ctx -> {name, label, el, activate, reset}.
import { networkView } from './network.js';
import { nominationsView } from './nominations.js';
import { placeholder } from './placeholder.js';

export const VIEWS = [
  nominationsView,
  networkView,
  (ctx) => placeholder(ctx, 'alerts', 'Alerts'),
  (ctx) => placeholder(ctx, 'identity', 'Identity review'),
  (ctx) => placeholder(ctx, 'investigations', 'Investigations'),
];
