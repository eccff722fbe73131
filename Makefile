# Operational entry point for every chart. `make help` lists the targets.
# Everything outside the gen:begin/gen:end markers is yours to edit.

.DEFAULT_GOAL := help

# gen:begin makefile
# Generated from specs/*.yaml: one include per chart, cross-chart backup and
# restore in dependency order, and `make help`.
# Usage: make <chart>-<target> [NAMESPACE=...] [RELEASE=...] [KUBECTL=...]

include make/airflow.mk
include make/alertmanager.mk
include make/blackbox-exporter.mk
include make/browserless-chrome.mk
include make/devpi.mk
include make/elasticsearch.mk
include make/grafana.mk
include make/harbor.mk
include make/immich.mk
include make/jellyfin.mk
include make/jenkins.mk
include make/kafka.mk
include make/keycloak.mk
include make/kube-state-metrics.mk
include make/loki.mk
include make/memcached.mk
include make/mimir.mk
include make/minio.mk
include make/mlflow.mk
include make/mongodb.mk
include make/mysql.mk
include make/nextcloud.mk
include make/node-exporter.mk
include make/opentelemetry-collector.mk
include make/paperless-ngx.mk
include make/pgadmin.mk
include make/phpmyadmin.mk
include make/postgresql.mk
include make/prometheus.mk
include make/promtail.mk
include make/pushgateway.mk
include make/rabbitmq.mk
include make/redis.mk
include make/rsshub.mk
include make/tempo.mk
include make/uptime-kuma.mk
include make/vaultwarden.mk
include make/wireguard.mk
include make/wordpress.mk

# Charts in restore order: every chart after the charts it depends on.
GEN_CHARTS := alertmanager blackbox-exporter browserless-chrome devpi elasticsearch jellyfin jenkins kafka kube-state-metrics memcached minio mongodb mysql node-exporter opentelemetry-collector postgresql prometheus pushgateway rabbitmq redis rsshub uptime-kuma vaultwarden wireguard airflow harbor immich keycloak loki mimir mlflow nextcloud paperless-ngx pgadmin phpmyadmin tempo wordpress grafana promtail

# $(call gen_run,target): run a target, or only print it with DRY_RUN=1.
gen_run = $(if $(DRY_RUN),@echo "would run: make $(1)",@$(MAKE) --no-print-directory $(1))

.PHONY: backup-all restore-all $(addprefix backup-,$(GEN_CHARTS)) $(addprefix restore-,$(GEN_CHARTS))
backup-all: $(addprefix backup-,$(GEN_CHARTS))
restore-all: $(addprefix restore-,$(GEN_CHARTS))

backup-airflow:
	$(call gen_run,airflow-backup-jobs)
	$(call gen_run,airflow-backup)
restore-airflow: restore-postgresql
	$(call gen_run,airflow-restore)
backup-alertmanager:
	$(call gen_run,alertmanager-backup-jobs)
	$(call gen_run,alertmanager-backup)
restore-alertmanager:
	$(call gen_run,alertmanager-restore)
backup-blackbox-exporter:
	$(call gen_run,blackbox-exporter-backup)
restore-blackbox-exporter:
	$(call gen_run,blackbox-exporter-restore)
backup-browserless-chrome:
	$(call gen_run,browserless-chrome-backup)
restore-browserless-chrome:
	$(call gen_run,browserless-chrome-restore)
backup-devpi:
	$(call gen_run,devpi-backup)
restore-devpi:
	$(call gen_run,devpi-restore)
backup-elasticsearch:
	$(call gen_run,elasticsearch-backup)
restore-elasticsearch:
	$(call gen_run,elasticsearch-restore)
backup-grafana:
	$(call gen_run,grafana-backup)
restore-grafana: restore-prometheus restore-loki
	$(call gen_run,grafana-restore)
backup-harbor:
	$(call gen_run,harbor-backup-jobs)
	$(call gen_run,harbor-backup)
restore-harbor: restore-postgresql restore-redis
	$(call gen_run,harbor-restore)
backup-immich:
	$(call gen_run,immich-backup)
	$(call gen_run,immich-config-backup)
restore-immich: restore-postgresql restore-redis
	$(call gen_run,immich-restore)
backup-jellyfin:
	$(call gen_run,jellyfin-backup)
	$(call gen_run,jellyfin-config-backup)
restore-jellyfin:
	$(call gen_run,jellyfin-restore)
backup-jenkins:
	$(call gen_run,jenkins-backup)
restore-jenkins:
	$(call gen_run,jenkins-restore)
backup-kafka:
	$(call gen_run,kafka-backup)
	$(call gen_run,kafka-config-backup)
restore-kafka:
	$(call gen_run,kafka-restore)
backup-keycloak:
	$(call gen_run,keycloak-backup-jobs)
	$(call gen_run,keycloak-backup)
restore-keycloak: restore-postgresql
	$(call gen_run,keycloak-restore)
backup-kube-state-metrics:
	$(call gen_run,kube-state-metrics-backup)
restore-kube-state-metrics:
	$(call gen_run,kube-state-metrics-restore)
backup-loki:
	$(call gen_run,loki-backup)
restore-loki: restore-minio
	$(call gen_run,loki-restore)
backup-memcached:
	$(call gen_run,memcached-backup)
restore-memcached:
	$(call gen_run,memcached-restore)
backup-mimir:
	$(call gen_run,mimir-backup)
restore-mimir: restore-minio
	$(call gen_run,mimir-restore)
backup-minio:
	$(call gen_run,minio-backup)
	$(call gen_run,minio-config-backup)
restore-minio:
	$(call gen_run,minio-restore)
backup-mlflow:
	$(call gen_run,mlflow-backup)
restore-mlflow: restore-postgresql restore-minio
	$(call gen_run,mlflow-restore)
backup-mongodb:
	$(call gen_run,mongodb-backup)
	$(call gen_run,mongodb-config-backup)
restore-mongodb:
	$(call gen_run,mongodb-restore)
backup-mysql:
	$(call gen_run,mysql-backup-jobs)
	$(call gen_run,mysql-backup)
restore-mysql:
	$(call gen_run,mysql-restore)
backup-nextcloud:
	$(call gen_run,nextcloud-backup)
	$(call gen_run,nextcloud-config-backup)
restore-nextcloud: restore-postgresql restore-redis
	$(call gen_run,nextcloud-restore)
backup-node-exporter:
	$(call gen_run,node-exporter-backup)
restore-node-exporter:
	$(call gen_run,node-exporter-restore)
backup-opentelemetry-collector:
	$(call gen_run,opentelemetry-collector-backup)
restore-opentelemetry-collector:
	$(call gen_run,opentelemetry-collector-restore)
backup-paperless-ngx:
	$(call gen_run,paperless-ngx-backup-jobs)
	$(call gen_run,paperless-ngx-backup)
	$(call gen_run,paperless-ngx-config-backup)
restore-paperless-ngx: restore-postgresql restore-redis
	$(call gen_run,paperless-ngx-restore)
backup-pgadmin:
	$(call gen_run,pgadmin-backup)
restore-pgadmin: restore-postgresql
	$(call gen_run,pgadmin-restore)
backup-phpmyadmin:
	$(call gen_run,phpmyadmin-backup)
restore-phpmyadmin: restore-mysql
	$(call gen_run,phpmyadmin-restore)
backup-postgresql:
	$(call gen_run,postgresql-backup-jobs)
	$(call gen_run,postgresql-backup)
	$(call gen_run,postgresql-backup-config)
restore-postgresql:
	$(call gen_run,postgresql-restore)
backup-prometheus:
	$(call gen_run,prometheus-backup)
restore-prometheus:
	$(call gen_run,prometheus-restore)
backup-promtail:
	$(call gen_run,promtail-backup)
restore-promtail: restore-loki
	$(call gen_run,promtail-restore)
backup-pushgateway:
	$(call gen_run,pushgateway-backup)
restore-pushgateway:
	$(call gen_run,pushgateway-restore)
backup-rabbitmq:
	$(call gen_run,rabbitmq-backup-jobs)
	$(call gen_run,rabbitmq-backup)
	$(call gen_run,rabbitmq-config-backup)
restore-rabbitmq:
	$(call gen_run,rabbitmq-restore)
backup-redis:
	$(call gen_run,redis-backup-jobs)
	$(call gen_run,redis-backup)
	$(call gen_run,redis-config-backup)
restore-redis:
	$(call gen_run,redis-restore)
backup-rsshub:
	$(call gen_run,rsshub-backup)
restore-rsshub:
	$(call gen_run,rsshub-restore)
backup-tempo:
	$(call gen_run,tempo-backup)
restore-tempo: restore-minio
	$(call gen_run,tempo-restore)
backup-uptime-kuma:
	$(call gen_run,uptime-kuma-backup)
	$(call gen_run,uptime-kuma-config-backup)
restore-uptime-kuma:
	$(call gen_run,uptime-kuma-restore)
backup-vaultwarden:
	$(call gen_run,vaultwarden-backup)
	$(call gen_run,vaultwarden-config-backup)
restore-vaultwarden:
	$(call gen_run,vaultwarden-restore)
backup-wireguard:
	$(call gen_run,wireguard-backup)
restore-wireguard:
	$(call gen_run,wireguard-restore)
backup-wordpress:
	$(call gen_run,wordpress-backup)
	$(call gen_run,wordpress-config-backup)
restore-wordpress: restore-mysql
	$(call gen_run,wordpress-restore)

.PHONY: help help-header
help: help-header help-airflow help-alertmanager help-blackbox-exporter help-browserless-chrome help-devpi help-elasticsearch help-grafana help-harbor help-immich help-jellyfin help-jenkins help-kafka help-keycloak help-kube-state-metrics help-loki help-memcached help-mimir help-minio help-mlflow help-mongodb help-mysql help-nextcloud help-node-exporter help-opentelemetry-collector help-paperless-ngx help-pgadmin help-phpmyadmin help-postgresql help-prometheus help-promtail help-pushgateway help-rabbitmq help-redis help-rsshub help-tempo help-uptime-kuma help-vaultwarden help-wireguard help-wordpress

help-header:
	@printf '%s\n' 'Usage: make <chart>-<target> [NAMESPACE=ns] [RELEASE=name] [KUBECTL=cmd]'
	@printf '%s\n' 'Cross-chart: make backup-all | restore-all | restore-<chart> [DRY_RUN=1]'
# gen:end makefile
