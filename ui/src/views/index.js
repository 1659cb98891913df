// The workspace's views, in tab order. Each module exports a factory: ctx -> {name, label, el, activate, reset}.
import { alertsView } from './alerts.js';
import { identityView } from './identity.js';
import { investigationsView } from './investigations.js';
import { networkView } from './network.js';
import { nominationsView } from './nominations.js';

export const VIEWS = [nominationsView, networkView, alertsView, identityView, investigationsView];
