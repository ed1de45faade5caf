'use strict';

function slugify(text) {
  return (text.toLowerCase().match(/[a-z]+/g) || []).join('-');
}

module.exports = { slugify };
