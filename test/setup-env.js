// natural's dependencies load dotenv, which prints to stdout unless told not to.
process.env.DOTENV_CONFIG_QUIET = 'true';
