mod cli;
mod validate;
