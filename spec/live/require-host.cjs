/** `npm run test:live` needs a server: without CVAT_HOST it stops before any test, saying what to set. */
module.exports = async function requireHost() {
  const env = process.env;
  let problem;
  if (!env.CVAT_HOST) {
    problem =
      'npm run test:live needs CVAT_HOST=https://your.cvat and CVAT_USER + CVAT_PASSWORD (or CVAT_ACCESS_TOKEN);\n' +
      'optionally CVAT_USER2/CVAT_PASSWORD2 and CVAT_USER3/CVAT_PASSWORD3 for the cases with other users.\n' +
      '`npm test` runs the same specs against the embedded emulator.';
  } else if (!env.CVAT_ACCESS_TOKEN && !(env.CVAT_USER && env.CVAT_PASSWORD)) {
    problem = 'npm run test:live needs CVAT_USER and CVAT_PASSWORD, or CVAT_ACCESS_TOKEN, with CVAT_HOST.';
  }
  if (problem) {
    console.error(`\n${problem}\n`);
    process.exit(2);
  }
};
