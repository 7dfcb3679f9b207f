"""surveys: consumer satisfaction surveys, their anonymous answers and their audit trail

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 18:33:57

Issue 15 (surveys/models.py); survey_sums keeps the answers summed for the results pages
(surveys/sums.py). No personal data: an answer keeps a SHA-256 for the
one-answer-per-device rule, never an address or a name.
"""
from alembic import op
import sqlalchemy as sa

from barcode_db.base import utcnow


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('brand_ids', sa.JSON(), nullable=False),
    sa.Column('product_ids', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('quotas', sa.JSON(), nullable=False),
    sa.Column('weight_by', sa.String(length=12), nullable=True),
    sa.Column('minimum_n', sa.Integer(), nullable=False),
    sa.Column('publish', sa.Boolean(), nullable=False),
    sa.Column('invite_on_verdict', sa.Boolean(), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=utcnow(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=utcnow(), nullable=False),
    sa.ForeignKeyConstraint(['previous_id'], ['survey.id'], name=op.f('fk_survey_previous_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_code'))
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_province_code'), ['province_code'], unique=False)

    op.create_table('survey_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_event_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_event'))
    )
    with op.batch_alter_table('survey_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_event_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('paper_ref', sa.String(length=40), nullable=True),
    sa.Column('entered_by', sa.String(length=120), nullable=True),
    sa.Column('brand_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('overall', sa.SmallInteger(), nullable=True),
    sa.Column('expectations', sa.SmallInteger(), nullable=True),
    sa.Column('ideal', sa.SmallInteger(), nullable=True),
    sa.Column('quality', sa.SmallInteger(), nullable=True),
    sa.Column('label_information', sa.SmallInteger(), nullable=True),
    sa.Column('choice', sa.SmallInteger(), nullable=True),
    sa.Column('design', sa.SmallInteger(), nullable=True),
    sa.Column('price', sa.SmallInteger(), nullable=True),
    sa.Column('customer_care', sa.SmallInteger(), nullable=True),
    sa.Column('choose_again', sa.Boolean(), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('satisfaction_index', sa.Float(), nullable=True),
    sa.Column('age_group', sa.String(length=10), nullable=True),
    sa.Column('province_code', sa.String(length=2), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=True),
    sa.CheckConstraint('choice IS NULL OR (choice BETWEEN 1 AND 5)', name=op.f('ck_survey_response_choice_scale')),
    sa.CheckConstraint('customer_care IS NULL OR (customer_care BETWEEN 1 AND 5)', name=op.f('ck_survey_response_customer_care_scale')),
    sa.CheckConstraint('design IS NULL OR (design BETWEEN 1 AND 5)', name=op.f('ck_survey_response_design_scale')),
    sa.CheckConstraint('expectations IS NULL OR (expectations BETWEEN 1 AND 10)', name=op.f('ck_survey_response_expectations_scale')),
    sa.CheckConstraint('ideal IS NULL OR (ideal BETWEEN 1 AND 10)', name=op.f('ck_survey_response_ideal_scale')),
    sa.CheckConstraint('label_information IS NULL OR (label_information BETWEEN 1 AND 5)', name=op.f('ck_survey_response_label_information_scale')),
    sa.CheckConstraint('overall IS NULL OR (overall BETWEEN 1 AND 10)', name=op.f('ck_survey_response_overall_scale')),
    sa.CheckConstraint('price IS NULL OR (price BETWEEN 1 AND 5)', name=op.f('ck_survey_response_price_scale')),
    sa.CheckConstraint('quality IS NULL OR (quality BETWEEN 1 AND 5)', name=op.f('ck_survey_response_quality_scale')),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], name=op.f('fk_survey_response_brand_id_brand')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_survey_response_product_id_product')),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_response_survey_id_survey')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('survey_id', 'device_hash', name='uq_survey_response_device'),
    sa.UniqueConstraint('survey_id', 'paper_ref', name='uq_survey_response_paper')
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index('ix_survey_response_survey_brand', ['survey_id', 'brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_survey_id'), ['survey_id'], unique=False)
    op.create_table('survey_sums',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('dimension', sa.String(length=12), nullable=False),
    sa.Column('stratum', sa.String(length=12), nullable=False),
    sa.Column('respondents', sa.BigInteger(), nullable=False),
    sa.Column('paper', sa.BigInteger(), nullable=False),
    sa.Column('index_n', sa.BigInteger(), nullable=False),
    sa.Column('index_total', sa.Float(), nullable=False),
    sa.Column('index_squares', sa.Float(), nullable=False),
    sa.Column('quality_n', sa.BigInteger(), nullable=False),
    sa.Column('quality_total', sa.Float(), nullable=False),
    sa.Column('quality_squares', sa.Float(), nullable=False),
    sa.Column('label_information_n', sa.BigInteger(), nullable=False),
    sa.Column('label_information_total', sa.Float(), nullable=False),
    sa.Column('label_information_squares', sa.Float(), nullable=False),
    sa.Column('choice_n', sa.BigInteger(), nullable=False),
    sa.Column('choice_total', sa.Float(), nullable=False),
    sa.Column('choice_squares', sa.Float(), nullable=False),
    sa.Column('design_n', sa.BigInteger(), nullable=False),
    sa.Column('design_total', sa.Float(), nullable=False),
    sa.Column('design_squares', sa.Float(), nullable=False),
    sa.Column('price_n', sa.BigInteger(), nullable=False),
    sa.Column('price_total', sa.Float(), nullable=False),
    sa.Column('price_squares', sa.Float(), nullable=False),
    sa.Column('customer_care_n', sa.BigInteger(), nullable=False),
    sa.Column('customer_care_total', sa.Float(), nullable=False),
    sa.Column('customer_care_squares', sa.Float(), nullable=False),
    sa.Column('again_n', sa.BigInteger(), nullable=False),
    sa.Column('again_yes', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_survey_sums_survey_id_survey')),
    sa.PrimaryKeyConstraint('survey_id', 'brand_id', 'product_id', 'category', 'dimension', 'stratum', name=op.f('pk_survey_sums'))
    )


def downgrade():
    op.drop_table('survey_sums')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_survey_id'))
        batch_op.drop_index('ix_survey_response_survey_brand')

    op.drop_table('survey_response')
    with op.batch_alter_table('survey_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_event_survey_id'))

    op.drop_table('survey_event')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_province_code'))

    op.drop_table('survey')
