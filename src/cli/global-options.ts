import type { OptionSpec } from './args';

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'server-host', kind: 'value', metavar: 'URL', help: 'server URL (default: http://localhost)' },
  { name: 'server-port', kind: 'value', metavar: 'N', help: 'server port (default: from the URL)' },
  {
    name: 'auth',
    kind: 'value',
    metavar: 'USER[:PASS]',
    help: 'credentials; the password may come from PASS or a prompt (default user: your login name)',
  },
  {
    name: 'org',
    kind: 'value',
    aliases: ['organization'],
    metavar: 'SLUG',
    help: 'organization to work in; "" for the personal workspace',
  },
  {
    name: 'profile',
    kind: 'value',
    metavar: 'NAME',
    help: "use a saved profile's server and token (see 'cvat-rx profile')",
  },
  { name: 'insecure', kind: 'flag', help: 'do not verify the TLS certificate' },
  { name: 'debug', kind: 'flag', help: 'show request details and stack traces' },
  { name: 'help', kind: 'flag', short: 'h', help: 'show help and exit' },
  { name: 'version', kind: 'flag', help: 'show the version and exit' },
];

export const EMULATOR_OPTIONS: readonly OptionSpec[] = [
  { name: 'port', kind: 'value', metavar: 'N', help: 'port to listen on (default: a free port)' },
  {
    name: 'host',
    kind: 'value',
    metavar: 'ADDR',
    help: 'address to listen on (default: 127.0.0.1; 0.0.0.0 exposes it to the network)',
  },
  { name: 'share-dir', kind: 'value', metavar: 'DIR', help: "folder served as CVAT's share (server_files)" },
  {
    name: 'user',
    kind: 'value',
    metavar: 'NAME:PASS',
    help: 'the admin user (default: admin:admin)',
  },
  {
    name: 'processing-delay-ms',
    kind: 'value',
    metavar: 'MS',
    help: 'delay of server-side requests, and the pace of their progress (default: 200)',
  },
  {
    name: 'allow-origin',
    kind: 'value',
    metavar: 'ORIGINS',
    help: 'comma-separated web origins whose pages may call it (localhost pages always may)',
  },
  {
    name: 'allow-host',
    kind: 'value',
    metavar: 'NAMES',
    help: 'comma-separated host names it answers to besides localhost, IP addresses and --host',
  },
];
