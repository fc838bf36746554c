/**
 * Jest resolver of the real-program suite. kubernetes-models and @kubernetes-models/* (the Kubernetes schema
 * validators, real/support/kubernetes-schemas.ts) are ES modules whose package exports offer only an `import`
 * condition, which Jest's CommonJS resolution does not use: requests for them, and requests made from inside them,
 * resolve with `import` first. jest.real.config.js transforms those files to CommonJS.
 */
"use strict";

const ESM_PACKAGE = /^(kubernetes-models|@kubernetes-models\/[^/]+)(\/|$)/;
const INSIDE_ESM_PACKAGE = /[\\/]node_modules[\\/](kubernetes-models|@kubernetes-models[\\/][^\\/]+)[\\/]/;

module.exports = (request, options) => {
  const esm = ESM_PACKAGE.test(request) || INSIDE_ESM_PACKAGE.test(`${options.basedir}/`);
  return options.defaultResolver(request, esm ? { ...options, conditions: ["import", "node", "default"] } : options);
};
