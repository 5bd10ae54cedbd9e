//! Configuration: config.yaml, themes and keymaps.
