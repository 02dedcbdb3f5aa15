# Dependency view of one image, used by images/build.
#   awk -F '\t' -v mode=tree|dot -v name=NAME -f deps.awk \
#       TOP CONTROL SIZES
# TOP:     the image's own package names, one a line (the roots)
# CONTROL: package \t version \t Installed-Size (KiB) \t Pre-Depends, Depends
#          \t Provides  (one line per package of the closure)
# SIZES:   package \t bytes its files still take in the image (after pruning)
# mode=tree writes an indented tree from the roots down through Depends, each
# package once in full ("(above)" when it was already shown); mode=dot a
# graphviz digraph of the same edges.

function kib(b) { return sprintf("%d", (b + 1023) / 1024) }

# The package of the closure that satisfies one Depends clause
# ("a (>= 1) | b:any"), or "" when none does.
function resolve(clause,    n, alts, i) {
	n = split(clause, alts, /[ \t]*\|[ \t]*/)
	for (i = 1; i <= n; i++) {
		sub(/^[ \t]+/, "", alts[i])
		sub(/[ \t(].*/, "", alts[i])
		sub(/:.*/, "", alts[i])
		if (alts[i] in ver)
			return alts[i]
	}
	for (i = 1; i <= n; i++)
		if (alts[i] in provider)
			return provider[alts[i]]
	return ""
}

function walk(p, prefix, last, depth,    line, i, n, kids, mark) {
	mark = (p in shown) ? "  (above)" : ""
	line = prefix (depth ? (last ? "`-- " : "|-- ") : "") p " " ver[p]
	printf "%-58s %9s %9s%s\n", line, isize[p], kib(insize[p]), mark
	if (mark != "")
		return
	shown[p] = 1
	n = ndeps[p]
	for (i = 1; i <= n; i++)
		kids[i] = dep[p, i]
	for (i = 1; i <= n; i++)
		walk(kids[i], prefix (depth ? (last ? "    " : "|   ") : ""),
		     i == n, depth + 1)
}

FILENAME == ARGV[1] { if ($1 != "") { ntop++; top[ntop] = $1 }; next }
FILENAME == ARGV[2] {
	ver[$1] = $2
	isize[$1] = $3 + 0
	deps[$1] = $4
	np = split($5, prov, /[ \t]*,[ \t]*/)
	for (i = 1; i <= np; i++) {
		q = prov[i]
		sub(/^[ \t]+/, "", q)
		sub(/[ \t(].*/, "", q)
		if (q != "" && !(q in provider))
			provider[q] = $1
	}
	order[++npkg] = $1
	next
}
FILENAME == ARGV[3] { insize[$1] = $2 + 0; next }

END {
	# the edges, each target once per package, in Depends order
	for (k = 1; k <= npkg; k++) {
		p = order[k]
		n = split(deps[p], cl, /[ \t]*,[ \t]*/)
		for (i = 1; i <= n; i++) {
			if (cl[i] == "")
				continue
			t = resolve(cl[i])
			if (t == "" || t == p || (p SUBSEP t) in edge)
				continue
			edge[p, t] = 1
			dep[p, ++ndeps[p]] = t
			reached[t] = 1
		}
	}
	# roots: the image's packages, then whatever nothing else pulls in
	nroot = 0
	for (i = 1; i <= ntop; i++) {
		p = top[i]
		sub(/[=\/].*/, "", p)
		if (p in ver && !(p in isroot)) {
			root[++nroot] = p
			isroot[p] = 1
		}
	}
	for (k = 1; k <= npkg; k++)
		if (!(order[k] in reached) && !(order[k] in isroot)) {
			root[++nroot] = order[k]
			isroot[order[k]] = 1
		}
	if (mode == "dot") {
		printf "digraph \"%s\" {\n", name
		print "\trankdir=LR;"
		print "\tnode [shape=box, fontname=\"sans-serif\", fontsize=10];"
		for (k = 1; k <= npkg; k++) {
			p = order[k]
			printf "\t\"%s\" [label=\"%s\\n%s KiB installed\\n%s KiB in image\"%s];\n",
			    p, p, isize[p], kib(insize[p]),
			    (p in isroot) ? ", style=bold" : ""
		}
		for (k = 1; k <= npkg; k++) {
			p = order[k]
			for (i = 1; i <= ndeps[p]; i++)
				printf "\t\"%s\" -> \"%s\";\n", p, dep[p, i]
		}
		print "}"
		exit 0
	}
	for (k = 1; k <= npkg; k++) {
		ti += isize[order[k]]
		tb += insize[order[k]]
	}
	printf "%-58s %9s %9s\n", "package version (Depends below it)",
	    "inst KiB", "img KiB"
	for (i = 1; i <= nroot; i++)
		walk(root[i], "", 1, 0)
	printf "%-58s %9s %9s\n", "total: " npkg " packages", ti, kib(tb)
}
