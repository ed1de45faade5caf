module.exports = { pid: 0 };
