// gi-docgen: base URLs for the documentation of the namespaces Task9 refers to,
// so that links to GLib, GObject and GIO types resolve to their online reference.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
]
