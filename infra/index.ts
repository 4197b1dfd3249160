// The Pulumi program: built in issue 3. Until then it deploys nothing.
export {};
