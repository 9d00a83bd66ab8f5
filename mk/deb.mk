# make deb: the Debian package libnginx-mod-http-seam-oauth (debian/),
# built by Debian's own tools (dpkg-buildpackage -b, debhelper 13 and
# nginx-dev's dh_nginx) in a copy of this tree, $(DEB_DIR)/src: the .deb,
# its -dbgsym, .buildinfo and .changes, which dpkg-buildpackage writes to
# the parent directory, land in $(DEB_DIR), and the package's clean (make
# clean) never empties this tree's $(BUILD). lintian then checks the .deb:
# an error fails the target.
#   make deb        build/deb/libnginx-mod-http-seam-oauth_VERSION_ARCH.deb
#   make test-deb   pkg/install.t: installs that .deb on this machine
#                   (root: dpkg -i, the stock nginx, dpkg -r, dpkg -P), so
#                   it is not part of make test

DEB_PACKAGE := libnginx-mod-http-seam-oauth
DEB_DIR     := $(BUILD)/deb
DEB_VERSION  = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_ARCH     = $(shell dpkg-architecture -qDEB_HOST_ARCH)
DEB_FILE     = $(DEB_DIR)/$(DEB_PACKAGE)_$(DEB_VERSION)_$(DEB_ARCH).deb

.PHONY: deb test-deb

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./$(BUILD) --exclude=./$(RUN) --exclude=./.git . \
	    | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -b -us -uc -Jauto
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error $(DEB_FILE)
	@echo "make deb: $(DEB_FILE)"

test-deb: deb
	SEAM_OAUTH_DEB=$(CURDIR)/$(DEB_FILE) prove -I t/lib pkg/
