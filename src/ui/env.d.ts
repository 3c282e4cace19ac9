/** Style sheets imported for the bundler, which emits them as `main-<hash>.css`. */
declare module "*.css";
