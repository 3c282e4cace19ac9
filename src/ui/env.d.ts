/** Style sheets imported for the bundler, which emits them as `main.css`. */
declare module "*.css";
